import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { parseProvisionerSettings } from '../../services/core/provision/provisioner-settings.js';
import { SwarmBackend } from '../../services/executor/backend/swarm-backend.js';
import { SwarmCapacity } from '../../services/executor/backend/swarm-capacity.js';
import type { BuildResources, StepSpec } from '../../services/executor/backend/types.js';
import { provisioningOf, startCapacity } from '../../services/executor/capacity/start-capacity.js';
import { createLogger } from '../../services/shared/logger.js';
import { createMetrics } from '../../services/shared/metrics/metrics.js';
import { LOCAL_NODE_SCRIPT, LocalProvisioner } from '../../services/shared/provision/local-provisioner.js';
import { redisState, type RedisState } from '../../services/shared/redis/redis-state.js';
import { eventually } from '../support/eventually.js';
import { freePort, freshRedisUrl, testInstance } from '../support/slipway-harness.js';

/**
 * Nodes on demand, end to end on a swarm of its own (a manager in a network namespace made by
 * scripts/local-node.sh, advertising 127.0.0.1 as the host's swarm does): the capacity loop and
 * its callback, on real Redis, with steps run by the Swarm backend.
 *
 * - a step placed on `node.labels.pool==gpu`, which no node has, gets a `local` node made
 *   through the bootstrap script, runs there, and the idle node is drained, removed from the
 *   swarm and its namespace deleted (not while a build still holds a workspace there);
 * - a `command` provisioner that exits 1 leaves its step failed with the provisioner's words;
 * - a `command` provisioner whose machine never joins is given up on after its join timeout,
 *   its step told so, and the machine stopped;
 * - an `http` provisioner whose service answers 503 leaves its step failed with the service's words.
 */

const sh = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile('bash', [LOCAL_NODE_SCRIPT, ...args], { env: { ...process.env, ...env }, timeout: 120_000 }, (err, o, e) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout: o, stderr: e }),
    ),
  );

describe('nodes on demand', () => {
  const tag = Math.random().toString(16).slice(2, 8);
  const managerNode = `m${tag}`;
  const instance = testInstance('provision');
  const metrics = createMetrics();
  let dir: string;
  let manager: Docker;
  let state: RedisState;
  let backend: SwarmBackend;
  let capacity: Awaited<ReturnType<typeof startCapacity>>;
  let vms: Server;
  let vmsStarts = 0;

  beforeAll(async () => {
    const redisUrl = await freshRedisUrl(13);
    const up = await sh(['up', managerNode], { SLIPWAY_LN_IMAGES: 'slipway/busybox:1' });
    if (up.code !== 0)
      throw new Error(`local-node.sh up ${managerNode} failed (root and scripts/infra.sh needed):\n${up.stderr}`);
    const managerAddress = /^LOCAL_NODE_ADDRESS=(\S+)$/m.exec(up.stdout)![1]!;
    const hostAddress = /^LOCAL_NODE_HOST_ADDRESS=(\S+)$/m.exec(up.stdout)![1]!;
    manager = new Docker({ socketPath: /^LOCAL_NODE_SOCKET=(\S+)$/m.exec(up.stdout)![1]! });
    await manager.swarmInit({
      ListenAddr: '0.0.0.0:2377',
      AdvertiseAddr: '127.0.0.1',
      DefaultAddrPool: ['10.237.0.0/16'],
      SubnetSize: 24,
    });
    dir = await mkdtemp(join(tmpdir(), 'slipway-provision-'));
    const stops = join(dir, 'stops');
    // The operator's machine service, out of capacity.
    vms = createServer((req, res) => {
      vmsStarts += req.url === '/slipway/start' ? 1 : 0;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'no arm machines left in the pool' }));
    });
    await new Promise<void>((resolve) => vms.listen(0, '127.0.0.1', resolve));
    const parsed = parseProvisionerSettings([
      {
        name: 'gpus',
        kind: 'local',
        labels: { pool: 'gpu' },
        maxNodes: 1,
        idleTimeoutMs: 3_000,
        loopbackManager: managerAddress,
      },
      {
        name: 'broken',
        kind: 'command',
        labels: { pool: 'tpu' },
        command: `p() { echo 'no capacity left in zone a' >&2; exit 1; }; p`,
      },
      {
        name: 'big',
        kind: 'local',
        labels: { pool: 'big' },
        maxNodes: 2,
        idleTimeoutMs: 3_000,
        loopbackManager: managerAddress,
      },
      {
        name: 'vms',
        kind: 'http',
        labels: { pool: 'arm' },
        // A 503 is tried again while the join timeout leaves room: once, here.
        joinTimeoutMs: 5_000,
        url: `http://127.0.0.1:${(vms.address() as { port: number }).port}/slipway`,
      },
      {
        name: 'silent',
        kind: 'command',
        labels: { pool: 'fpga' },
        joinTimeoutMs: 5_000,
        // Starts a "machine" that never runs its bootstrap script; records each stop.
        command: `p() { case $1 in start) echo "vm-$2" ;; stop) echo "$2" >> '${stops}' ;; esac; }; p`,
      },
    ]);
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    const port = await freePort();
    state = redisState(redisUrl, { logger: createLogger('test', true), role: 'test' });
    await state.ready();
    // Steps' resources reserved (SLIPWAY_RESERVE_STEP_RESOURCES): a full node holds a step back.
    backend = new SwarmBackend(manager, {
      instance,
      provisioning: provisioningOf(state.provisions),
      reserveResources: true,
    });
    capacity = await startCapacity({
      config: {
        provisioners: parsed.provisioners,
        callbackUrl: `http://${hostAddress}:${port}/provision/callback`,
        callbackHost: hostAddress,
        callbackPort: port,
        managerAddress: `${managerAddress}:2377`,
      },
      swarm: new SwarmCapacity(instance, manager),
      provisions: state.provisions,
      logger: createLogger('test', true),
      metrics,
      intervalMs: 500,
    });
  }, 150_000);

  afterAll(async () => {
    await capacity?.close();
    // Only the nodes this test's requests made are removed (`list` prints `NAME ADDRESS` per node).
    const ours = new Set(
      ((await state?.provisions.list().catch(() => [])) ?? [])
        .filter((r) => r.provisioner === 'gpus' || r.provisioner === 'big')
        .map((r) => LocalProvisioner.nodeName(r.id)),
    );
    for (const line of (await sh(['list'])).stdout.split('\n')) {
      const name = line.trim().split(/\s+/)[0] ?? '';
      if (ours.has(name)) await sh(['down', name]);
    }
    await sh(['down', managerNode]);
    await new Promise((resolve) => vms?.close(resolve));
    await state?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 150_000);

  const build = (key: string): BuildResources => ({
    buildId: `bprov${tag}${key}`,
    network: `slw-bprov${tag}${key}`,
    volume: `slw-bprov${tag}${key}-ws`,
  });
  const step = (b: BuildResources, pool: string): StepSpec => ({
    build: b,
    key: 'test',
    attempt: 1,
    name: `slw-${b.buildId}-test-1`,
    image: 'slipway/busybox:1',
    script: `echo "ran with pool=${pool}"`,
    env: {},
    secrets: [],
    resources: {},
    placement: [`node.labels.pool==${pool}`],
  });
  const joinToken = async () =>
    ((await manager.swarmInspect()) as { JoinTokens: { Worker: string } }).JoinTokens.Worker;
  const nodeIds = async () => ((await manager.listNodes()) as Array<{ ID: string }>).map((n) => n.ID);

  /** Runs one step to its end as the runtime does. */
  async function run(b: BuildResources, pool: string, schedulingTimeoutMs = 5_000) {
    await backend.setupBuild(b, {});
    const handle = await backend.startStep(step(b, pool));
    const outcome = await backend.waitStep(handle, { schedulingTimeoutMs, timeoutMs: 150_000 });
    const log = (await backend.readLog(handle)).map((l) => l.text).join('\n');
    const node = await backend.nodeOf(handle);
    await backend.removeStep(handle);
    await backend.teardownBuild(b.buildId);
    return { outcome, log, node, service: handle.name };
  }

  it('starts a local node for a step asking for a label no node has; it runs there; idle, the node goes', async () => {
    const before = await nodeIds();
    const token = await joinToken();
    const ran = await run(build('a'), 'gpu');
    expect(ran.outcome).toEqual({ kind: 'success' });
    expect(ran.log).toContain('ran with pool=gpu');
    const [record] = (await state.provisions.list()).filter((r) => r.reason.service === ran.service);
    expect(record).toMatchObject({
      provisioner: 'gpus',
      labels: { pool: 'gpu' },
      reason: { buildId: build('a').buildId, step: 'test', wanted: { pool: 'gpu' } },
    });
    expect(ran.node).toBe(record!.hostname);
    expect(record!.hostname).toBe(`slwln-${record!.machineId}`);
    expect(before).not.toContain(record!.nodeId);
    // The token handed to the node no longer lets anyone join.
    expect(await joinToken()).not.toBe(token);

    // A build that keeps a workspace there (its next step waits for a lock, pinned to it) keeps the node.
    await state.provisions.holdNode(build('a').buildId, record!.nodeId!);
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    expect((await state.provisions.get(record!.id))?.state).toBe('joined');
    expect(await nodeIds()).toContain(record!.nodeId);
    await state.provisions.releaseNodes(build('a').buildId);

    // Idle for its 3 s: drained, out of the swarm, its namespace gone, and its time counted.
    const ended = await eventually(
      'the idle node to be removed',
      async () => {
        const r = await state.provisions.get(record!.id);
        return r?.state === 'removed' ? r : undefined;
      },
      60_000,
    );
    expect(ended.drainingAt && ended.endedAt && ended.joinedAt).toBeTruthy();
    expect(await nodeIds()).toEqual(before);
    expect((await sh(['list'])).stdout).not.toContain(record!.machineId!);
    // A node gone already is no error for the loop (an operator may remove one by hand).
    await expect(new SwarmCapacity(instance, manager).pauseNode(record!.nodeId!)).resolves.toBeUndefined();
    const seconds = await metrics.registry.getSingleMetric('slipway_provisioned_node_seconds_total')!.get();
    expect(seconds.values.find((v) => v.labels.provisioner === 'gpus')?.value).toBeGreaterThan(0);
  }, 150_000);

  it('starts a second node for a step held back because the first node with its labels is full', async () => {
    // Each step reserves three quarters of a node's CPUs: two never fit on one node.
    const cpus = (availableParallelism() * 3) / 4;
    const [a, b] = [build('e'), build('f')];
    await backend.setupBuild(a, {});
    await backend.setupBuild(b, {});
    const long = await backend.startStep({
      ...step(a, 'big'),
      script: 'echo holding the node; sleep 600',
      resources: { cpus },
    });
    const stopLong = new AbortController();
    const longEnded = backend.waitStep(long, {
      schedulingTimeoutMs: 60_000,
      timeoutMs: 600_000,
      signal: stopLong.signal,
    });
    const first = await eventually('the first step to run on a new node', () => backend.nodeOf(long), 90_000);
    const second = await backend.startStep({ ...step(b, 'big'), resources: { cpus } });
    expect(await backend.waitStep(second, { schedulingTimeoutMs: 90_000, timeoutMs: 150_000 })).toEqual({
      kind: 'success',
    });
    const where = await backend.nodeOf(second);
    expect(where).toBeDefined();
    expect(where).not.toBe(first);
    const big = (await state.provisions.list()).filter((r) => r.provisioner === 'big');
    expect(big.map((r) => r.reason.service).sort()).toEqual([long.name, second.name].sort());
    stopLong.abort('the test is done');
    expect((await longEnded).kind).toBe('cancelled');
    for (const handle of [long, second]) await backend.removeStep(handle);
    await backend.teardownBuild(a.buildId);
    await backend.teardownBuild(b.buildId);
  }, 240_000);

  it('fails the step with the reason of a provisioner that cannot start a node, and adds no node', async () => {
    const before = await nodeIds();
    const ran = await run(build('b'), 'tpu');
    expect(ran.outcome).toEqual({
      kind: 'error',
      reason:
        'no node with pool=tpu: provisioner "broken" could not start a node: ' +
        'its command exited with 1: no capacity left in zone a',
    });
    expect(await nodeIds()).toEqual(before);
  }, 60_000);

  it("fails the step with the words of an http provisioner's service that has no machine", async () => {
    const ran = await run(build('d'), 'arm');
    expect(ran.outcome).toEqual({
      kind: 'error',
      reason:
        'no node with pool=arm: provisioner "vms" could not start a node: ' +
        'its endpoint answered 503: no arm machines left in the pool',
    });
    expect(vmsStarts).toBe(2);
  }, 60_000);

  it('gives up on a node that never joins, tells the step, and stops the machine', async () => {
    const before = await nodeIds();
    // The scheduling timeout is shorter than the join timeout: the step waits for the provisioner's verdict.
    const ran = await run(build('c'), 'fpga', 2_500);
    expect(ran.outcome).toEqual({
      kind: 'error',
      reason: 'no node with pool=fpga: provisioner "silent" started a node that did not join within 5s',
    });
    const [record] = (await state.provisions.list()).filter((r) => r.reason.service === ran.service);
    await eventually(
      'the machine to be stopped',
      async () =>
        (await readFile(join(dir, 'stops'), 'utf8').catch(() => '')).includes(`vm-${record!.id}`) || undefined,
      10_000,
    );
    expect(await nodeIds()).toEqual(before);
  }, 60_000);
});
