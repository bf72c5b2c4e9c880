import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { CommandProvisioner } from '../../services/shared/provision/command-provisioner.js';

/** The operator's own program, run for real through `sh -c`, recording what it was asked. */
describe('the command provisioner', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-command-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const recorder = () =>
    `p() { echo "$*" >> '${join(dir, 'calls')}'; case $1 in start) echo "booting"; echo "vm-$2" ;; esac; }; p`;
  const calls = async () => (await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n');

  it('starts with the request id and the bootstrap file, and stops by machine id, or by request id alone', async () => {
    const provisioner = new CommandProvisioner('vms', recorder());
    const machine = await provisioner.start({ id: 'pr-1', labels: { pool: 'gpu' }, bootstrap: '#!/bin/sh\n' });
    expect(machine).toEqual({ provisioner: 'vms', machineId: 'vm-pr-1', requestId: 'pr-1' });
    await provisioner.stop(machine);
    // Its start never answered (the executor was killed): the command finds the machine by the request.
    await provisioner.stop({ provisioner: 'vms', requestId: 'pr-2' });
    const [start, stop, stopByRequest] = await calls();
    expect(start).toMatch(/^start pr-1 \/.*bootstrap\.sh$/);
    expect(stop).toBe('stop vm-pr-1 pr-1');
    expect(stopByRequest).toBe('stop  pr-2');
  });

  it('says a command that exits non-zero exited, and one killed at its timeout timed out', async () => {
    const failing = new CommandProvisioner('vms', `p() { echo 'no capacity left in zone a' >&2; exit 3; }; p`);
    await expect(failing.start({ id: 'pr-1', labels: {}, bootstrap: '' })).rejects.toMatchObject({
      message: 'its command exited with 3: no capacity left in zone a',
      retryable: false,
    });
    // EX_TEMPFAIL: the command asks to be tried again.
    const later = new CommandProvisioner('vms', `p() { echo 'rate limited' >&2; exit 75; }; p`);
    await expect(later.start({ id: 'pr-1', labels: {}, bootstrap: '' })).rejects.toMatchObject({ retryable: true });
    const slow = new CommandProvisioner('vms', `p() { echo 'asking the cloud'; sleep 5; }; p`, 300);
    await expect(slow.stop({ provisioner: 'vms', requestId: 'pr-1', machineId: 'vm-1' })).rejects.toThrow(
      'its stop command timed out after 0.3s: asking the cloud',
    );
  });
});
