import { describe, expect, it } from '@jest/globals';
import { planCapacity, wantedLabels, type NodeView } from '../../../services/core/provision/capacity-plan.js';
import {
  provisionVerdict,
  ranForSeconds,
  requestIdFor,
  startReason,
  type ProvisionRecord,
} from '../../../services/core/provision/provision-record.js';
import {
  parseProvisionerSettings,
  type ProvisionerSettings,
} from '../../../services/core/provision/provisioner-settings.js';

const gpu: ProvisionerSettings = {
  name: 'gpus',
  kind: 'local',
  labels: { pool: 'gpu', zone: 'a' },
  maxNodes: 2,
  idleTimeoutMs: 5_000,
  joinTimeoutMs: 30_000,
};
const now = new Date('2026-12-02T12:00:00.000Z');
const at = (secondsAgo: number) => new Date(now.getTime() - secondsAgo * 1000).toISOString();
const waiting = (service: string, constraints = ['node.labels.pool==gpu']) => ({
  service,
  taskId: `t-${service}`,
  constraints,
  buildId: 'b0123456789a',
  step: 'test',
});
/** The request id of the waiting task `waiting(service)` makes. */
const idOf = (service: string) => requestIdFor(service, `t-${service}`);
const record = (id: string, change: Partial<ProvisionRecord> = {}): ProvisionRecord => ({
  id,
  provisioner: 'gpus',
  labels: gpu.labels,
  reason: { service: 'slw-x', buildId: 'b0123456789a', step: 'test', wanted: { pool: 'gpu' } },
  state: 'starting',
  tokenHash: '00'.repeat(32),
  requestedAt: at(10),
  ...change,
});
const node = (id: string, change: Partial<NodeView> = {}): NodeView => ({
  id,
  labels: {},
  state: 'ready',
  availability: 'active',
  tasks: 0,
  ...change,
});
const plan = (input: Partial<Parameters<typeof planCapacity>[0]>) =>
  planCapacity({
    waiting: [],
    provisioners: [gpu],
    records: [],
    nodes: [node('manager')],
    now,
    requestId: (task) => requestIdFor(task.service, task.taskId),
    ...input,
  });

describe('what the capacity loop asks for', () => {
  it('asks the provisioner that supplies the labels of a waiting step for one node, with its labels and why', () => {
    const actions = plan({ waiting: [waiting('slw-b0123456789a-test-1')] });
    expect(actions).toEqual([
      {
        kind: 'request',
        id: idOf('slw-b0123456789a-test-1'),
        provisioner: 'gpus',
        labels: { pool: 'gpu', zone: 'a' },
        reason: { service: 'slw-b0123456789a-test-1', buildId: 'b0123456789a', step: 'test', wanted: { pool: 'gpu' } },
      },
    ]);
    expect(startReason(record('x'))).toBe('step test of build b0123456789a asked for pool=gpu');
  });

  it('makes one request per waiting step, the same id after a restart, never a second for a step asked for', () => {
    const service = 'slw-b0123456789a-test-1';
    expect(idOf(service)).toBe(requestIdFor(service, `t-${service}`));
    expect(idOf(service)).not.toBe(idOf('slw-b0123456789a-test-2'));
    expect(idOf(service)).toMatch(/^pr-[0-9a-f]{16}$/);
    // Its request failed: the step is told, and no second node is asked for it.
    const failed = record(idOf(service), { state: 'failed', failure: 'x' });
    expect(plan({ waiting: [waiting(service)], records: [failed] })).toEqual([]);
  });

  it('asks for another node for a step held back for want of room on the full nodes with its labels', () => {
    const full = node('g', { labels: { pool: 'gpu' }, nanoCpus: 2e9, memoryBytes: 8 * 2 ** 30, tasks: 1 });
    const starved = { ...waiting('slw-b0123456789a-test-2'), starved: { nanoCpus: 15e8 } };
    const [asked] = plan({ waiting: [starved], nodes: [node('manager'), full] });
    expect(asked).toMatchObject({ kind: 'request', id: idOf('slw-b0123456789a-test-2') });
    expect(startReason(asked as Pick<ProvisionRecord, 'reason'>)).toBe(
      'step test of build b0123456789a asked for pool=gpu (those nodes were full)',
    );
    // Unless its own is on its way, or has just joined (the swarm places there within seconds).
    const mine = idOf('slw-b0123456789a-test-2');
    const onItsWay = record(mine, { state: 'starting', labels: { pool: 'gpu', zone: 'a' } });
    expect(plan({ waiting: [starved], nodes: [full], records: [onItsWay] })).toEqual([]);
    const justJoined = record(mine, { state: 'joined', nodeId: 'ny', labels: { pool: 'gpu' }, joinedAt: at(2) });
    const joinedNode = node('ny', { labels: { pool: 'gpu' }, tasks: 1 });
    expect(plan({ waiting: [starved], nodes: [full, joinedNode], records: [justJoined] })).toEqual([
      { kind: 'busy', id: mine },
    ]);
    // Its node went to another step a while ago, and it still waits: it asks again, as `-2`.
    const taken = { ...justJoined, joinedAt: at(30) };
    expect(plan({ waiting: [starved], nodes: [full, joinedNode], records: [taken] })).toEqual([
      { kind: 'busy', id: mine },
      expect.objectContaining({ kind: 'request', id: `${mine}-2` }),
    ]);
    // Another step's node on its way is not its own: each starved step gets one (up to maxNodes).
    const other = { ...waiting('slw-b0123456789a-test-3'), starved: { nanoCpus: 15e8 } };
    expect(plan({ waiting: [starved, other], nodes: [full] }).map((a) => a.id)).toEqual([
      mine,
      idOf('slw-b0123456789a-test-3'),
    ]);
    // A step that reserves more than the largest such node has in all: a node like it would not do.
    const huge = { ...starved, starved: { nanoCpus: 4e9 } };
    expect(plan({ waiting: [huge], nodes: [full] })).toEqual([]);
    // No node with its labels at all (the swarm says "insufficient resources" then too): asked for as usual.
    expect(plan({ waiting: [huge], nodes: [node('manager')] })).toEqual([expect.objectContaining({ kind: 'request' })]);
  });

  it('asks again for a service made anew under the same name (a build resumed after an approval)', () => {
    const service = 'slw-b0123456789a-checkout-2-1';
    // Its first task's node served it, went idle while the approval waited, and was removed.
    const ended = record(idOf(service), { state: 'removed', endedAt: at(60) });
    const again = { ...waiting(service), taskId: 'a-new-task' };
    expect(plan({ waiting: [again], records: [ended] })).toEqual([
      expect.objectContaining({ kind: 'request', id: requestIdFor(service, 'a-new-task') }),
    ]);
  });

  it('removes a joined node that left the swarm (removed by hand), keeps a draining one a build holds', () => {
    const joined = record('a', { state: 'joined', nodeId: 'na', joinedAt: at(60), busyAt: at(1) });
    expect(plan({ records: [joined], nodes: [node('manager')] })).toEqual([{ kind: 'remove', id: 'a' }]);
    const draining = { ...joined, state: 'draining' as const };
    expect(plan({ records: [draining], nodes: [node('na')], held: new Set(['na']) })).toEqual([
      { kind: 'resume', id: 'a' },
    ]);
  });

  it('asks nothing while a node that can take the step is up or on its way', () => {
    const w = [waiting('slw-b0123456789a-test-1')];
    expect(plan({ waiting: w, nodes: [node('m'), node('g', { labels: { pool: 'gpu' } })] })).toEqual([]);
    expect(plan({ waiting: w, records: [record('other')] })).toEqual([]);
    // A drained node takes nothing: a new one is asked for.
    const drained = node('g', { labels: { pool: 'gpu' }, availability: 'drain' });
    expect(plan({ waiting: w, nodes: [drained] }).map((a) => a.kind)).toEqual(['request']);
  });

  it('stays within the maximum, and asks nothing for labels no provisioner supplies', () => {
    const two = [record('a', { state: 'joined', nodeId: 'na', busyAt: at(1) }), record('b', { state: 'draining' })];
    const full = plan({
      waiting: [waiting('s1', ['node.labels.pool==gpu', 'node.labels.zone==a'])],
      records: two,
      nodes: [
        node('na', { tasks: 1, labels: { pool: 'gpu' }, availability: 'active', state: 'down' }),
        node('nb', { tasks: 1 }),
      ],
    });
    expect(full.filter((a) => a.kind === 'request')).toEqual([]);
    const many = plan({
      waiting: [
        waiting('s1', ['node.labels.pool==gpu']),
        waiting('s2', ['node.labels.pool==gpu', 'node.labels.zone==a']),
      ],
    });
    // The first request is on its way when the second is looked at: it will take the second too.
    expect(many.map((a) => a.kind)).toEqual(['request']);
    expect(plan({ waiting: [waiting('s1', ['node.labels.pool==tpu'])] })).toEqual([]);
  });

  it('provisions only for placements a new node can meet', () => {
    expect(wantedLabels(['node.labels.pool==gpu', 'node.role==worker'])).toEqual({ pool: 'gpu' });
    expect(wantedLabels(['node.labels.pool == gpu'])).toEqual({ pool: 'gpu' });
    expect(wantedLabels(['node.labels.pool!=gpu'])).toBeUndefined();
    expect(wantedLabels(['node.id==abc'])).toBeUndefined();
    expect(wantedLabels(['node.labels.pool==gpu', 'node.hostname==x'])).toBeUndefined();
    expect(wantedLabels([])).toBeUndefined();
    expect(plan({ waiting: [waiting('s', ['node.id==abc'])] })).toEqual([]);
  });
});

describe('when a provisioned node is given up on, busy, idle or gone', () => {
  it('gives up on a request not joined within its join timeout, saying which provisioner and how long', () => {
    expect(plan({ records: [record('a', { requestedAt: at(29) })] })).toEqual([]);
    expect(plan({ records: [record('a', { requestedAt: at(31) })] })).toEqual([
      {
        kind: 'give-up',
        id: 'a',
        reason: 'no node with pool=gpu, zone=a: provisioner "gpus" started a node that did not join within 30s',
      },
    ]);
    // Reported joined, not yet applied: not given up on.
    expect(plan({ records: [record('a', { requestedAt: at(31), report: { nodeId: 'n' } })] })).toEqual([]);
  });

  it('keeps a node busy while it runs Slipway tasks, drains it after its idle timeout, removes it once empty', () => {
    const joined = record('a', { state: 'joined', nodeId: 'na', joinedAt: at(60), busyAt: at(4) });
    expect(plan({ records: [joined], nodes: [node('na', { tasks: 1 })] })).toEqual([{ kind: 'busy', id: 'a' }]);
    expect(plan({ records: [joined], nodes: [node('na')] })).toEqual([]);
    expect(plan({ records: [{ ...joined, busyAt: at(5) }], nodes: [node('na')] })).toEqual([
      { kind: 'drain', id: 'a' },
    ]);
    const draining = { ...joined, state: 'draining' as const };
    expect(plan({ records: [draining], nodes: [node('na', { tasks: 1 })] })).toEqual([]);
    expect(plan({ records: [draining], nodes: [node('na')] })).toEqual([{ kind: 'remove', id: 'a' }]);
    expect(plan({ records: [draining], nodes: [] })).toEqual([{ kind: 'remove', id: 'a' }]);
  });

  it('keeps an idle node an unfinished build has a workspace on (a lock waits), drains it once let go', () => {
    const idle = record('a', { state: 'joined', nodeId: 'na', joinedAt: at(600), busyAt: at(300) });
    expect(plan({ records: [idle], nodes: [node('na')], held: new Set(['na']) })).toEqual([{ kind: 'busy', id: 'a' }]);
    expect(plan({ records: [idle], nodes: [node('na')], held: new Set(['nb']) })).toEqual([{ kind: 'drain', id: 'a' }]);
  });

  it('says how long a node ran and what a waiting step makes of its request', () => {
    const ended = record('a', { state: 'removed', joinedAt: at(90), endedAt: at(30) });
    expect(ranForSeconds(ended, now)).toBe(60);
    expect(ranForSeconds(record('a', { state: 'joined', joinedAt: at(12) }), now)).toBe(12);
    expect(ranForSeconds(record('a'), now)).toBe(0);
    expect(provisionVerdict(undefined, now)).toBeUndefined();
    expect(provisionVerdict(record('a'), now)).toEqual({ pending: true });
    // Just joined, the swarm is about to place it; long joined and still not placed, the timeout applies.
    expect(provisionVerdict(record('a', { state: 'joined', joinedAt: at(29) }), now)).toEqual({ pending: true });
    expect(provisionVerdict(record('a', { state: 'joined', joinedAt: at(31) }), now)).toBeUndefined();
    expect(
      provisionVerdict(record('a', { state: 'failed', failure: 'no node with pool=gpu: provisioner "gpus" x' }), now),
    ).toEqual({
      failed: 'no node with pool=gpu: provisioner "gpus" x',
    });
    expect(provisionVerdict(ended, now)).toBeUndefined();
  });
});

describe("the operator's provisioners", () => {
  it('reads a provisioner with its defaults', () => {
    expect(parseProvisionerSettings([{ name: 'gpus', kind: 'local', labels: { pool: 'gpu' } }])).toEqual({
      ok: true,
      provisioners: [
        {
          name: 'gpus',
          kind: 'local',
          labels: { pool: 'gpu' },
          maxNodes: 2,
          idleTimeoutMs: 300_000,
          joinTimeoutMs: 180_000,
        },
      ],
    });
  });

  it('names each problem with the provisioner and the field', () => {
    expect(parseProvisionerSettings({})).toEqual({ ok: false, problems: ['must be a JSON array of provisioners'] });
    expect(
      parseProvisionerSettings([
        { name: 'Big GPUs', kind: 'local', labels: { pool: 'gpu' } },
        { name: 'c', kind: 'command', labels: {}, maxNodes: 0 },
        { name: 'e', kind: 'ec2', labels: { pool: 'x y' }, idleTimeoutMs: -1 },
        { name: 'e', kind: 'docker', labels: { pool: 'a' } },
      ]),
    ).toEqual({
      ok: false,
      problems: [
        "provisioner 1: name must be lower-case letters, digits and '-' (at most 31)",
        'provisioner "c": labels must be an object of at least one label, e.g. {"pool": "gpu"}',
        'provisioner "c": maxNodes must be a whole number, 1 or more',
        'provisioner "c": a command provisioner needs "command"',
        'provisioner "e": label "pool" must be a name with a plain value',
        'provisioner "e": idleTimeoutMs must be a whole number, 0 or more',
        'provisioner "e": an ec2 provisioner needs "ec2" settings: {"region", "imageId", "instanceType", …}',
        'provisioner "e": the name is used twice',
        'provisioner "e": kind must be local, ec2, command or http',
      ],
    });
  });

  it("checks an ec2 provisioner's settings at start-up, not at its first request", () => {
    const ec2 = (settings: Record<string, unknown>) =>
      parseProvisionerSettings([{ name: 'gpus', kind: 'ec2', labels: { pool: 'gpu' }, ec2: settings }]);
    expect(
      ec2({ region: 'eu-west-1', imageId: 'ami-1', instanceType: 't3.large', securityGroupIds: ['sg-1'] }),
    ).toEqual({
      ok: true,
      provisioners: [expect.objectContaining({ name: 'gpus', ec2: expect.objectContaining({ region: 'eu-west-1' }) })],
    });
    expect(ec2({ region: 'Ireland', instanceType: '', securityGroupIds: 'sg-1', subnet: 'subnet-1' })).toEqual({
      ok: false,
      problems: [
        'provisioner "gpus": ec2.region must be an AWS region, e.g. "eu-west-1"',
        'provisioner "gpus": ec2.imageId must name an AMI, e.g. "ami-0abcdef1234567890"',
        'provisioner "gpus": ec2.instanceType must name an instance type, e.g. "t3.large"',
        'provisioner "gpus": ec2.securityGroupIds must be a list of security group ids',
        'provisioner "gpus": ec2.subnet is not a setting',
      ],
    });
  });
});
