import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProvisionError } from '../../core/provision/provision-error.js';
import type { MachineRef, NodeProvisioner, ProvisionedMachine, ProvisionRequest } from './provisioner.js';

/**
 * The `command` provisioner: the operator's own program makes and removes machines.
 * `COMMAND start REQUEST_ID BOOTSTRAP_FILE` (the request's labels in SLIPWAY_PROVISION_LABELS
 * as JSON) starts a machine that runs the script in BOOTSTRAP_FILE, and prints the machine's id
 * on its last line of output; `COMMAND stop MACHINE_ID REQUEST_ID` removes it (and must succeed
 * for one already gone, or never made). MACHINE_ID is empty when the start never answered (the
 * executor was killed meanwhile): the command finds the machine by REQUEST_ID. A non-zero exit
 * is a failed start, its last line of stderr the reason; exit 75 (EX_TEMPFAIL: no capacity
 * now, a rate limit) asks Slipway to try again, as a timeout does. The command must itself be idempotent
 * per request id. Run through `sh -c`, so it may carry arguments.
 */
export class CommandProvisioner implements NodeProvisioner {
  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly timeoutMs = 600_000,
  ) {}

  async start(request: ProvisionRequest): Promise<ProvisionedMachine> {
    const dir = await mkdtemp(join(tmpdir(), 'slipway-bootstrap-'));
    try {
      const file = join(dir, 'bootstrap.sh');
      await writeFile(file, request.bootstrap, { mode: 0o600 });
      const run = await this.run(['start', request.id, file], {
        SLIPWAY_PROVISION_LABELS: JSON.stringify(request.labels),
      });
      // Exit 75 (EX_TEMPFAIL) or a timeout is worth another try; any other exit is the command's last word.
      if (run.code !== 0)
        throw new ProvisionError(
          `its command ${ended(run, this.timeoutMs)}`,
          run.timedOut || run.code === 75,
          this.name,
        );
      const machineId = lastLine(run.stdout);
      if (!/^[A-Za-z0-9_.:-]+$/.test(machineId))
        throw new ProvisionError(
          `its command printed no machine id (last line: ${JSON.stringify(machineId)})`,
          false,
          this.name,
        );
      return { provisioner: this.name, machineId, requestId: request.id };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async stop(machine: MachineRef): Promise<void> {
    const run = await this.run(['stop', machine.machineId ?? '', machine.requestId], {});
    if (run.code !== 0) throw new ProvisionError(`its stop command ${ended(run, this.timeoutMs)}`, true, this.name);
  }

  private run(args: string[], env: Record<string, string>): Promise<Run> {
    return new Promise((resolve) => {
      execFile(
        'sh',
        ['-c', `${this.command} "$@"`, 'provisioner', ...args],
        { env: { ...process.env, ...env }, timeout: this.timeoutMs },
        (err, stdout, stderr) =>
          resolve({
            code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
            timedOut: Boolean(err?.killed),
            stdout,
            stderr,
          }),
      );
    });
  }
}

interface Run {
  code: number;
  /** Killed at the timeout. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** How a failed run ended, in words: `exited with 1: no capacity`, `timed out after 600s: …`. */
function ended(run: Run, timeoutMs: number): string {
  const how = run.timedOut ? `timed out after ${Number((timeoutMs / 1000).toFixed(1))}s` : `exited with ${run.code}`;
  return `${how}: ${lastLine(run.stderr || run.stdout)}`;
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1]?.trim() || 'no output';
}
