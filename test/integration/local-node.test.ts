import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { acceptReport } from '../../services/core/provision/accept-report.js';
import { bootstrapScript } from '../../services/core/provision/bootstrap-script.js';
import { ProvisionError } from '../../services/core/provision/provision-error.js';
import { LOCAL_NODE_SCRIPT, LocalProvisioner } from '../../services/shared/provision/local-provisioner.js';
import { SwarmJobs } from '../support/swarm-jobs.js';

/**
 * The `local` provisioner on a swarm of its own (never the host's): a manager node made by
 * scripts/local-node.sh that, like the host's swarm (scripts/infra.sh), advertises 127.0.0.1;
 * a job asking for `node.labels.pool==gpu` waits for want of such a node; the provisioner makes
 * one that runs the bootstrap script, joins and reports to a callback; this test, in the
 * manager's place, labels the node from its record; the job runs there; the node is drained,
 * stopped and removed. And a bootstrap that cannot join leaves nothing behind.
 */

interface Report {
  auth: string | undefined;
  body: unknown;
}

const sh = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile('bash', [LOCAL_NODE_SCRIPT, ...args], { env: { ...process.env, ...env }, timeout: 120_000 }, (err, o, e) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout: o, stderr: e }),
    ),
  );
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the local provisioner', () => {
  const tag = randomBytes(3).toString('hex');
  const managerNode = `m${tag}`;
  const token = randomBytes(16).toString('hex');
  let managerAddress: string;
  let hostAddress: string;
  let manager: Docker;
  let jobs: SwarmJobs;
  let server: Server;
  let callbackUrl: string;
  const reports: Report[] = [];
  const started: string[] = [];

  beforeAll(async () => {
    const up = await sh(['up', managerNode], { SLIPWAY_LN_IMAGES: 'slipway/busybox:1' });
    if (up.code !== 0)
      throw new Error(`local-node.sh up ${managerNode} failed (root and scripts/infra.sh needed):\n${up.stderr}`);
    managerAddress = /^LOCAL_NODE_ADDRESS=(\S+)$/m.exec(up.stdout)![1]!;
    hostAddress = /^LOCAL_NODE_HOST_ADDRESS=(\S+)$/m.exec(up.stdout)![1]!;
    manager = new Docker({ socketPath: /^LOCAL_NODE_SOCKET=(\S+)$/m.exec(up.stdout)![1]! });
    // As scripts/infra.sh does for the host's swarm: advertise 127.0.0.1.
    await manager.swarmInit({
      ListenAddr: '0.0.0.0:2377',
      AdvertiseAddr: '127.0.0.1',
      DefaultAddrPool: ['10.236.0.0/16'],
      SubnetSize: 24,
    });
    jobs = new SwarmJobs(manager, { 'slipway.test': `local-node-${tag}` });

    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        reports.push({ auth: req.headers.authorization, body: JSON.parse(body) as unknown });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, hostAddress, resolve));
    const port = (server.address() as { port: number }).port;
    callbackUrl = `http://${hostAddress}:${port}/provision/callback`;
  }, 150_000);

  afterAll(async () => {
    await jobs?.cleanup().catch(() => undefined);
    for (const node of [...started, managerNode]) await sh(['down', node]);
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  }, 150_000);

  async function joinToken(): Promise<string> {
    const swarm = (await manager.swarmInspect()) as { JoinTokens: { Worker: string } };
    return swarm.JoinTokens.Worker;
  }

  async function nodes(): Promise<
    Array<{ ID: string; Hostname: string; State: string; Labels: Record<string, string> }>
  > {
    const list = (await manager.listNodes()) as Array<{
      ID: string;
      Description?: { Hostname?: string };
      Status?: { State?: string };
      Spec?: { Labels?: Record<string, string> };
    }>;
    return list.map((n) => ({
      ID: n.ID,
      Hostname: n.Description?.Hostname ?? '',
      State: n.Status?.State ?? '',
      Labels: n.Spec?.Labels ?? {},
    }));
  }

  /** What Slipway's callback will do: check the token and the report against the record, label the node. */
  async function labelFromReport(requestId: string, labels: Record<string, string>) {
    const report = reports.find((r) => (r.body as { requestId?: string }).requestId === requestId);
    if (!report) throw new Error(`no report for ${requestId}; reports: ${JSON.stringify(reports)}`);
    expect(report.auth).toBe(`Bearer ${token}`);
    const decision = acceptReport(report.body, { requestId, labels });
    if (decision.action !== 'label') throw new Error(`report not accepted: ${JSON.stringify(decision)}`);
    const node = manager.getNode(decision.nodeId);
    const current = (await node.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
    await node.update({ _query: { version: current.Version.Index }, ...current.Spec, Labels: decision.labels });
    return decision.nodeId;
  }

  it(
    'starts a node for a job that waits on a label no node has; the job runs there; ' +
      'the node is drained, stopped and removed',
    async () => {
      // 1. Nothing can run it yet: the task waits, unscheduled.
      const waiting = jobs.run(
        `wants-gpu-${tag}`,
        'echo "ran with pool=$POOL"',
        { Image: 'slipway/busybox:1', Env: ['POOL=gpu'] },
        { constraints: ['node.labels.pool==gpu'], timeoutMs: 150_000 },
      );
      // Should the test fail before it awaits the job, its polling must not outlive the cleanup unseen.
      waiting.catch(() => undefined);
      let pending: Array<{ NodeID?: string; Status: { State: string; Err?: string } }> = [];
      for (let i = 0; i < 25 && pending[0]?.Status.Err === undefined; i++) {
        await sleep(200);
        pending = (await manager
          .listTasks({ filters: { service: [`wants-gpu-${tag}`] } })
          .catch(() => [])) as typeof pending;
      }
      expect(pending).toHaveLength(1);
      expect(pending[0]!.NodeID).toBeUndefined();
      expect(pending[0]!.Status).toMatchObject({ State: 'pending', Err: expect.stringContaining('no suitable node') });

      // 2. A node for it: made, bootstrapped, joined, reported.
      const requestId = `prov-${tag}-1`;
      const labels = { pool: 'gpu' };
      const provisioner = new LocalProvisioner({ loopbackManager: managerAddress });
      const machine = await provisioner.start({
        id: requestId,
        labels,
        bootstrap: bootstrapScript({
          joinToken: await joinToken(),
          managerAddress: `${managerAddress}:2377`,
          labels,
          callbackUrl,
          callbackToken: token,
          requestId,
        }),
      });
      started.push(machine.machineId);
      expect(machine).toMatchObject({ provisioner: 'local', machineId: LocalProvisioner.nodeName(requestId) });
      // The manager advertises 127.0.0.1: a reconnect dials that, inside the node's namespace.
      // Cut the node's connection to the manager now; only the provisioner's loopback NAT
      // brings it back (without it the node stays down: measured, see scripts/local-node.sh).
      await new Promise<void>((resolve, reject) =>
        execFile(
          'ip',
          ['netns', 'exec', `slwln-${machine.machineId}`, 'ss', '-K', 'dst', managerAddress, 'dport', '=', '2377'],
          (err) => (err ? reject(err) : resolve()),
        ),
      );
      const nodeId = await labelFromReport(requestId, labels);
      expect((await nodes()).find((n) => n.ID === nodeId)).toMatchObject({
        Hostname: `slwln-${machine.machineId}`,
        State: 'ready',
        Labels: { pool: 'gpu' },
      });

      // 3. The waiting job runs on it.
      const ran = await waiting;
      expect({ state: ran.state, exitCode: ran.exitCode }).toEqual({ state: 'complete', exitCode: 0 });
      expect(ran.nodeId).toBe(nodeId);
      expect(ran.log).toContain('ran with pool=gpu');

      // 4. Idle: drain it, stop it, remove it from the swarm.
      const node = manager.getNode(nodeId);
      const current = (await node.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
      await node.update({ _query: { version: current.Version.Index }, ...current.Spec, Availability: 'drain' });
      await provisioner.stop(machine);
      await node.remove({ force: true });
      expect((await nodes()).map((n) => n.ID)).not.toContain(nodeId);
      expect((await sh(['list'])).stdout).not.toContain(machine.machineId);
    },
  );

  it('removes a node whose bootstrap cannot join, and the manager never sees it', async () => {
    const requestId = `prov-${tag}-2`;
    const before = (await nodes()).length;
    const provisioner = new LocalProvisioner({ loopbackManager: managerAddress });
    const failure = await provisioner
      .start({
        id: requestId,
        labels: { pool: 'gpu' },
        bootstrap: bootstrapScript({
          joinToken: await joinToken(),
          // Nothing listens there: the join is refused.
          managerAddress: `${hostAddress}:1`,
          labels: { pool: 'gpu' },
          callbackUrl,
          callbackToken: token,
          requestId,
        }),
      })
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ProvisionError);
    expect((failure as ProvisionError).message).toMatch(/bootstrap of local node p[0-9a-f]{7} failed/);
    const report = reports.find((r) => (r.body as { requestId?: string }).requestId === requestId);
    expect(acceptReport(report?.body, { requestId, labels: { pool: 'gpu' } })).toEqual({
      action: 'failed',
      reason: `the node's bootstrap failed (join): docker swarm join ${hostAddress}:1 failed`,
    });
    expect((await sh(['list'])).stdout).not.toContain(LocalProvisioner.nodeName(requestId));
    expect(await nodes()).toHaveLength(before);
  });
});
