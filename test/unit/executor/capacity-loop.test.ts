import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { NodeView, WaitingTask } from '../../../services/core/provision/capacity-plan.js';
import { requestIdFor, type ProvisionRecord } from '../../../services/core/provision/provision-record.js';
import type { ProvisionerSettings } from '../../../services/core/provision/provisioner-settings.js';
import type { CapacitySwarm } from '../../../services/executor/backend/swarm-capacity.js';
import { startCapacityLoop, type CapacityLoopDeps } from '../../../services/executor/capacity/capacity-loop.js';
import { startProvisionCallback } from '../../../services/executor/capacity/provision-callback.js';
import { ProvisionError } from '../../../services/core/provision/provision-error.js';
import { createLogger } from '../../../services/shared/logger.js';
import { MemoryProvisions } from '../../../services/shared/memory/memory-provisions.js';
import type { MachineRef, NodeProvisioner, ProvisionRequest } from '../../../services/shared/provision/provisioner.js';
import { eventually } from '../../support/eventually.js';

const logger = createLogger('test', true);
const settings: ProvisionerSettings[] = [
  { name: 'gpus', kind: 'command', labels: { pool: 'gpu' }, maxNodes: 1, idleTimeoutMs: 0, joinTimeoutMs: 60_000 },
];
const NODE = 'n'.repeat(25);

/** A swarm in memory: one waiting step until a node with its label is up; the calls made. */
class MemorySwarm implements CapacitySwarm {
  calls: string[] = [];
  nodesUp: NodeView[] = [
    { id: 'manager', labels: {}, state: 'ready', availability: 'active', tasks: 0, role: 'manager' },
  ];
  /** A machine's node joins the swarm (before it reports). */
  joined(id: string) {
    const at = new Date().toISOString();
    this.nodesUp.push({
      id,
      labels: {},
      state: 'ready',
      availability: 'active',
      tasks: 0,
      role: 'worker',
      createdAt: at,
    });
  }
  waiting: WaitingTask[] = [
    { service: 'slw-b1-test-1', taskId: 'task-1', constraints: ['node.labels.pool==gpu'], buildId: 'b1', step: 'test' },
  ];
  async waitingTasks() {
    return this.waiting;
  }
  async nodes() {
    return this.nodesUp;
  }
  async workerJoinToken() {
    return 'SWMTKN-1-abc-def';
  }
  async rotateWorkerToken() {
    this.calls.push('rotate');
  }
  async managerAddress() {
    return '10.0.0.1:2377';
  }
  async labelNode(id: string, labels: Record<string, string>) {
    this.calls.push(`label ${id} ${JSON.stringify(labels)}`);
    this.nodesUp = this.nodesUp.map((n) => (n.id === id ? { ...n, labels } : n));
    this.waiting = [];
  }
  async pauseNode(id: string) {
    this.calls.push(`pause ${id}`);
  }
  async drainNode(id: string) {
    this.calls.push(`drain ${id}`);
  }
  async activateNode(id: string) {
    this.calls.push(`activate ${id}`);
  }
  async removeNode(id: string) {
    this.calls.push(`remove ${id}`);
    this.nodesUp = this.nodesUp.filter((n) => n.id !== id);
  }
}

class CountingProvisioner implements NodeProvisioner {
  readonly name = 'gpus';
  started: ProvisionRequest[] = [];
  stopped: string[] = [];
  async start(request: ProvisionRequest) {
    this.started.push(request);
    return { provisioner: this.name, machineId: `vm-${request.id}`, requestId: request.id };
  }
  async stop(machine: MachineRef) {
    this.stopped.push(machine.machineId ?? `request ${machine.requestId}`);
  }
}

const closers: Array<() => Promise<void>> = [];

/** An ISO time `ms` before now. */
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

/** A `gpus` request for `service`, as the store would hold it (starting, asked for now), with `change`. */
const stored = (service: string, id: string, change: Partial<ProvisionRecord> = {}): ProvisionRecord => ({
  id,
  provisioner: 'gpus',
  labels: { pool: 'gpu' },
  reason: { service, wanted: { pool: 'gpu' } },
  state: 'starting',
  tokenHash: 'ab'.repeat(32),
  requestedAt: ago(0),
  ...change,
});

/** A loop acting every 20 ms with `provisioner` as `gpus`, stopped after the test; `options` change any of it. */
function startLoop(
  swarm: MemorySwarm,
  provisions: MemoryProvisions,
  provisioner: NodeProvisioner,
  options: Partial<CapacityLoopDeps> = {},
) {
  const loop = startCapacityLoop({
    swarm,
    provisions,
    provisioners: new Map([['gpus', provisioner]]),
    settings,
    callbackUrl: 'http://10.0.0.1:3090/provision/callback',
    holder: 'a',
    logger,
    intervalMs: 20,
    ...options,
  });
  closers.push(() => loop.stop());
  return loop;
}
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('the capacity loop', () => {
  it('acts in one replica only: one node for one waiting step however many loops run', async () => {
    const provisions = new MemoryProvisions();
    const swarm = new MemorySwarm();
    const provisioner = new CountingProvisioner();
    const loops = ['a', 'b', 'c'].map((holder) =>
      startCapacityLoop({
        swarm,
        provisions,
        provisioners: new Map([['gpus', provisioner]]),
        settings,
        callbackUrl: 'http://10.0.0.1:3090/provision/callback',
        holder,
        logger,
        intervalMs: 20,
      }),
    );
    closers.push(async () => void (await Promise.all(loops.map((l) => l.stop()))));
    await eventually('a request', async () => (provisioner.started.length > 0 ? true : undefined), 5_000);
    for (let i = 0; i < 5; i++) await Promise.all(loops.map((l) => l.tick()));
    expect(provisioner.started.map((r) => r.id)).toEqual([requestIdFor('slw-b1-test-1', 'task-1')]);
    expect(provisioner.started[0]!.bootstrap).toContain("MANAGER='10.0.0.1:2377'");
    expect((await provisions.list())[0]).toMatchObject({
      state: 'starting',
      machineId: `vm-${requestIdFor('slw-b1-test-1', 'task-1')}`,
    });
  });

  it('refuses a report naming a node it did not start (the manager): left alone; machine stopped', async () => {
    const provisions = new MemoryProvisions();
    const swarm = new MemorySwarm();
    const provisioner = new CountingProvisioner();
    startLoop(swarm, provisions, provisioner);
    const id = requestIdFor('slw-b1-test-1', 'task-1');
    await eventually('the machine', async () => ((await provisions.get(id))?.machineId ? true : undefined), 5_000);
    await provisions.update(id, (r) => ({ ...r, report: { nodeId: 'manager', hostname: 'gpu-1' } }));
    const failed = await eventually(
      'the report refused',
      async () => {
        const r = await provisions.get(id);
        return r?.state === 'failed' && provisioner.stopped.length > 0 ? r : undefined;
      },
      5_000,
    );
    expect(failed.failure).toMatch(/its report was refused: the node it reported \(manager\) is a manager/);
    expect(provisioner.stopped).toEqual([`vm-${id}`]);
    expect(swarm.calls.filter((c) => c.includes('manager'))).toEqual([]);
  });

  it('labels a reported node from its record, rotates the join token, pauses, drains, removes, stops it', async () => {
    const provisions = new MemoryProvisions();
    const swarm = new MemorySwarm();
    const provisioner = new CountingProvisioner();
    const seconds: number[] = [];
    startLoop(swarm, provisions, provisioner, {
      metrics: {
        provisionedNodes: { reset: () => undefined, set: () => undefined },
        provisionedNodeSeconds: { inc: (_labels, value) => void seconds.push(value) },
        provisionFailures: { inc: () => undefined },
      },
    });
    const id = requestIdFor('slw-b1-test-1', 'task-1');
    await eventually('the machine', async () => ((await provisions.get(id))?.machineId ? true : undefined), 5_000);
    swarm.joined(NODE);
    await provisions.update(id, (r) => ({ ...r, report: { nodeId: NODE, hostname: 'gpu-1' } }));
    const removed = await eventually(
      'the idle node removed',
      async () => {
        const r = await provisions.get(id);
        return r?.state === 'removed' ? r : undefined;
      },
      5_000,
    );
    expect(swarm.calls).toEqual([
      `label ${NODE} {"pool":"gpu","slipway.provisioned":"true"}`,
      'rotate',
      `pause ${NODE}`,
      `drain ${NODE}`,
      `remove ${NODE}`,
    ]);
    expect(provisioner.stopped).toEqual([`vm-${id}`]);
    expect(removed).toMatchObject({ nodeId: NODE, hostname: 'gpu-1' });
    expect(Date.parse(removed.endedAt!)).toBeGreaterThanOrEqual(Date.parse(removed.joinedAt!));
    expect(seconds).toHaveLength(1);
  });
});

describe('the capacity loop across writers and crashes', () => {
  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { open, opened };
  };

  it('keeps the machine id a start writes while the loop applies the report the node sent meanwhile', async () => {
    const provisions = new MemoryProvisions();
    const swarm = new MemorySwarm();
    const started = gate();
    const labelled = gate();
    const provisioner = new CountingProvisioner();
    const slowStart = Object.assign(Object.create(provisioner) as CountingProvisioner, {
      start: async (request: ProvisionRequest) => {
        await started.opened;
        return provisioner.start(request);
      },
    });
    const labelNode = swarm.labelNode.bind(swarm);
    let labelling = false;
    swarm.labelNode = async (id, labels) => {
      labelling = true;
      await labelled.opened;
      await labelNode(id, labels);
    };
    startLoop(swarm, provisions, slowStart);
    const id = requestIdFor('slw-b1-test-1', 'task-1');
    await eventually('the request', async () => ((await provisions.get(id)) ? true : undefined), 5_000);
    // The node boots and reports before the provisioner's start has answered (EC2 can be slow to).
    swarm.joined(NODE);
    await provisions.update(id, (r) => ({ ...r, report: { nodeId: NODE, hostname: 'gpu-1' } }));
    // The loop read the record (no machine id yet) and labels the node; then the start answers.
    await eventually('the loop labelling the node', async () => (labelling ? true : undefined), 5_000);
    started.open();
    await eventually('the machine id', async () => ((await provisions.get(id))?.machineId ? true : undefined), 5_000);
    labelled.open();
    // Idle at once (idleTimeoutMs 0): the machine stopped at the end is the one the start named.
    const removed = await eventually(
      'the idle node removed',
      async () => {
        const r = await provisions.get(id);
        return r?.state === 'removed' ? r : undefined;
      },
      5_000,
    );
    expect(removed).toMatchObject({ machineId: `vm-${id}`, nodeId: NODE, hostname: 'gpu-1' });
    expect(provisioner.stopped).toEqual([`vm-${id}`]);
  });

  it('stops by request id a machine whose start never answered (its executor was killed), given up on', async () => {
    const provisions = new MemoryProvisions();
    const swarm = new MemorySwarm();
    swarm.waiting = [];
    const provisioner = new CountingProvisioner();
    const id = requestIdFor('slw-b9-test-1', 'task-9');
    // What a killed executor leaves: a request, no machine id, no report.
    await provisions.create(stored('slw-b9-test-1', id, { requestedAt: ago(120_000) }));
    startLoop(swarm, provisions, provisioner);
    const settled = await eventually(
      'the request given up on and its machine stopped',
      async () => {
        const r = await provisions.get(id);
        return r?.settled ? r : undefined;
      },
      5_000,
    );
    expect(settled).toMatchObject({ state: 'failed' });
    expect(settled.failure).toMatch(/did not join within 60s/);
    expect(provisioner.stopped).toEqual([`request ${id}`]);
    expect(provisioner.started).toEqual([]);
  });
});

describe('the capacity loop against forged reports and nodes that go', () => {
  const id = requestIdFor('slw-b1-test-1', 'task-1');

  it('never touches a node a refused report named, nor one a second report names after it', async () => {
    const provisions = new MemoryProvisions();
    const swarm = new MemorySwarm();
    // A worker that ran before the request, busy with other builds' steps.
    const VICTIM = 'v'.repeat(25);
    swarm.nodesUp.push({
      id: VICTIM,
      labels: {},
      state: 'ready',
      availability: 'active',
      tasks: 3,
      role: 'worker',
      createdAt: '2020-01-01T00:00:00Z',
    });
    const provisioner = new CountingProvisioner();
    startLoop(swarm, provisions, provisioner);
    await eventually('the machine', async () => ((await provisions.get(id))?.machineId ? true : undefined), 5_000);
    // Whoever reads the machine's user data has the callback token.
    const token = 'from-user-data';
    await provisions.update(id, (r) => ({ ...r, tokenHash: createHash('sha256').update(token).digest('hex') }));
    const server = await startProvisionCallback({ provisions, host: '127.0.0.1', port: 0, logger });
    closers.push(() => server.close());
    const post = (nodeId: string) =>
      fetch(`http://127.0.0.1:${server.port}/provision/callback`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ requestId: id, status: 'joined', nodeId, hostname: 'x', labels: { pool: 'gpu' } }),
      }).then((r) => r.status);
    expect(await post(VICTIM)).toBe(204);
    await eventually(
      'the report refused',
      async () => (await provisions.get(id))?.state === 'failed' || undefined,
      5_000,
    );
    // Again, now that the request failed: its first report stands, and settling it removes nothing.
    expect(await post(VICTIM)).toBe(204);
    await eventually('the request settled', async () => (await provisions.get(id))?.settled || undefined, 5_000);
    expect(swarm.calls.filter((c) => c.includes(VICTIM))).toEqual([]);
    expect(swarm.nodesUp.map((n) => n.id)).toContain(VICTIM);
    expect(provisioner.stopped).toEqual([`vm-${id}`]);
  });

  it('ends a joined node removed from the swarm by hand, and stops its machine', async () => {
    const provisions = new MemoryProvisions();
    const swarm = new MemorySwarm();
    const provisioner = new CountingProvisioner();
    startLoop(swarm, provisions, provisioner, { settings: [{ ...settings[0]!, idleTimeoutMs: 60_000 }] });
    await eventually('the machine', async () => ((await provisions.get(id))?.machineId ? true : undefined), 5_000);
    swarm.joined(NODE);
    await provisions.update(id, (r) => ({ ...r, report: { nodeId: NODE, hostname: 'gpu-1' } }));
    await eventually('joined', async () => (await provisions.get(id))?.state === 'joined' || undefined, 5_000);
    swarm.nodesUp = swarm.nodesUp.filter((n) => n.id !== NODE);
    await eventually('removed', async () => (await provisions.get(id))?.state === 'removed' || undefined, 5_000);
    expect(provisioner.stopped).toEqual([`vm-${id}`]);
  });

  it('tries a failed stop again until the machine is stopped', async () => {
    const provisions = new MemoryProvisions();
    const swarm = new MemorySwarm();
    const provisioner = new CountingProvisioner();
    let failures = 2;
    const flaky = Object.assign(Object.create(provisioner) as CountingProvisioner, {
      stop: async (machine: MachineRef) => {
        if (failures-- > 0) throw new Error('EC2 RequestLimitExceeded: Request limit exceeded.');
        return provisioner.stop(machine);
      },
    });
    startLoop(swarm, provisions, flaky);
    await eventually('the machine', async () => ((await provisions.get(id))?.machineId ? true : undefined), 5_000);
    swarm.joined(NODE);
    await provisions.update(id, (r) => ({ ...r, report: { nodeId: NODE, hostname: 'gpu-1' } }));
    await eventually('removed', async () => (await provisions.get(id))?.state === 'removed' || undefined, 5_000);
    expect(provisioner.stopped).toEqual([`vm-${id}`]);
  });
});

describe('the capacity loop when a provisioner fails', () => {
  const id = requestIdFor('slw-b1-test-1', 'task-1');

  it('asks again after an error a retry can help (a 503), with the same request: the step gets its node', async () => {
    const provisions = new MemoryProvisions();
    const swarm = new MemorySwarm();
    const provisioner = new CountingProvisioner();
    let failures = 1;
    const busy = Object.assign(Object.create(provisioner) as CountingProvisioner, {
      start: async (request: ProvisionRequest) => {
        if (failures-- > 0) throw new ProvisionError('its endpoint answered 503: try later', true, 'gpus');
        return provisioner.start(request);
      },
    });
    startLoop(swarm, provisions, busy);
    const record = await eventually(
      'the machine',
      async () => ((await provisions.get(id))?.machineId ? provisions.get(id) : undefined),
      10_000,
    );
    expect(record).toMatchObject({ state: 'starting', machineId: `vm-${id}` });
    expect(provisioner.started.map((r) => r.id)).toEqual([id]);
  });

  it('fails the step at once on an error no retry helps; stops what it made after the join timeout', async () => {
    const provisions = new MemoryProvisions();
    const swarm = new MemorySwarm();
    const provisioner = new CountingProvisioner();
    const refusing = Object.assign(Object.create(provisioner) as CountingProvisioner, {
      start: async () => {
        throw new ProvisionError('its endpoint answered 400: no such image', false, 'gpus');
      },
    });
    startLoop(swarm, provisions, refusing, { settings: [{ ...settings[0]!, joinTimeoutMs: 1_000 }] });
    const failed = await eventually(
      'the request failed',
      async () => ((await provisions.get(id))?.state === 'failed' ? provisions.get(id) : undefined),
      5_000,
    );
    expect(failed!.failure).toBe(
      'no node with pool=gpu: provisioner "gpus" could not start a node: its endpoint answered 400: no such image',
    );
    // Its machine may still be on its way (a lost answer): stopped once the join timeout passed.
    expect(provisioner.stopped).toEqual([]);
    await eventually('the machine stopped', async () => (provisioner.stopped.length > 0 ? true : undefined), 5_000);
    expect(provisioner.stopped).toEqual([`request ${id}`]);
  });
});

describe('the capacity loop and the workspaces builds keep on nodes', () => {
  it('makes a draining node active again when a build comes to hold a workspace there', async () => {
    const provisions = new MemoryProvisions();
    const swarm = new MemorySwarm();
    swarm.waiting = [];
    swarm.joined(NODE);
    const id = requestIdFor('slw-b2-checkout-2-1', 'task-2');
    await provisions.create(
      stored('slw-b2-checkout-2-1', id, {
        state: 'draining',
        requestedAt: ago(60_000),
        joinedAt: ago(50_000),
        drainingAt: ago(0),
        nodeId: NODE,
      }),
    );
    // Its checkout landed there just before the pause; the step after it is pinned there.
    await provisions.holdNode('b2', NODE);
    const loop = startLoop(swarm, provisions, new CountingProvisioner(), {
      settings: [{ ...settings[0]!, idleTimeoutMs: 60_000 }],
      buildEnded: async () => false,
    });
    await loop.tick();
    expect(await provisions.get(id)).toMatchObject({ state: 'joined' });
    expect((await provisions.get(id))?.drainingAt).toBeUndefined();
    expect(swarm.calls).toEqual([`activate ${NODE}`]);
  });

  it('keeps an idle node while an unfinished build holds it, lets go of it when the build ends', async () => {
    const provisions = new MemoryProvisions();
    const swarm = new MemorySwarm();
    swarm.waiting = [];
    swarm.joined(NODE);
    const provisioner = new CountingProvisioner();
    const id = requestIdFor('slw-b1-test-1', 'task-1');
    await provisions.create(
      stored('slw-b1-test-1', id, {
        reason: { service: 'slw-b1-test-1', buildId: 'b1', step: 'test', wanted: { pool: 'gpu' } },
        state: 'joined',
        requestedAt: ago(60_000),
        joinedAt: ago(50_000),
        busyAt: ago(40_000),
        nodeId: NODE,
        machineId: 'vm-1',
      }),
    );
    // Build b1 ran its test step there; its deploy step, pinned to that workspace, waits for the staging lock.
    await provisions.holdNode('b1', NODE);
    let ended = false;
    const loop = startLoop(swarm, provisions, provisioner, {
      buildEnded: async (buildId) => buildId !== 'b1' || ended,
    });
    for (let i = 0; i < 5; i++) await loop.tick();
    expect((await provisions.get(id))?.state).toBe('joined');
    expect(swarm.calls).toEqual([]);
    ended = true;
    await eventually(
      'the node removed',
      async () => ((await provisions.get(id))?.state === 'removed' ? true : undefined),
      5_000,
    );
    expect(await provisions.holds()).toEqual([]);
    expect(provisioner.stopped).toEqual(['vm-1']);
  });
});

describe('the callback nodes report to', () => {
  async function serve(record: ProvisionRecord) {
    const provisions = new MemoryProvisions();
    await provisions.create(record);
    const server = await startProvisionCallback({ provisions, host: '127.0.0.1', port: 0, logger });
    closers.push(() => server.close());
    const post = (body: unknown, token = 'secret-token') =>
      fetch(`http://127.0.0.1:${server.port}/provision/callback`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }).then(async (res) => ({ status: res.status, text: await res.text() }));
    return { provisions, post };
  }
  const record: ProvisionRecord = {
    id: 'pr-1',
    provisioner: 'gpus',
    labels: { pool: 'gpu' },
    reason: { service: 's', wanted: { pool: 'gpu' } },
    state: 'starting',
    tokenHash: createHash('sha256').update('secret-token').digest('hex'),
    requestedAt: '2026-12-02T12:00:00.000Z',
  };
  const joined = { requestId: 'pr-1', status: 'joined', nodeId: NODE, hostname: 'gpu-1', labels: { pool: 'gpu' } };

  it('records the report of the request its token belongs to, once', async () => {
    const { provisions, post } = await serve(record);
    expect(await post(joined)).toEqual({ status: 204, text: '' });
    expect((await provisions.get('pr-1'))?.report).toEqual({ nodeId: NODE, hostname: 'gpu-1' });
    expect((await post({ ...joined, nodeId: 'm'.repeat(25) })).status).toBe(204);
    expect((await provisions.get('pr-1'))?.report).toEqual({ nodeId: NODE, hostname: 'gpu-1' });
  });

  it("records a failed bootstrap's reason", async () => {
    const { provisions, post } = await serve(record);
    await post({ requestId: 'pr-1', status: 'failed', phase: 'join', error: 'docker swarm join 10.0.0.1:2377 failed' });
    expect((await provisions.get('pr-1'))?.report).toEqual({
      failed: "the node's bootstrap failed (join): docker swarm join 10.0.0.1:2377 failed",
    });
  });

  it('refuses a wrong token, an unknown request, other labels and a body not JSON, changing nothing', async () => {
    const { provisions, post } = await serve(record);
    // An unknown request is answered as a wrong token is: request ids cannot be probed.
    const refused = { status: 401, text: 'wrong token or no such request' };
    expect(await post(joined, 'another-token')).toEqual(refused);
    expect(await post({ ...joined, requestId: 'pr-2' })).toEqual(refused);
    expect(await post({ ...joined, labels: { pool: 'gpu', admin: 'yes' } })).toEqual({
      status: 400,
      text: 'the node reports labels other than those asked for',
    });
    expect((await post('{not json')).status).toBe(400);
    expect((await provisions.get('pr-1'))?.report).toBeUndefined();
  });

  it('takes no report for a request that ended: its machine was stopped, its node is not ours to label', async () => {
    const { provisions, post } = await serve({ ...record, state: 'failed', settled: true, failure: 'x' });
    expect(await post(joined)).toEqual({ status: 410, text: 'this request has ended' });
    expect((await provisions.get('pr-1'))?.report).toBeUndefined();
  });
});
