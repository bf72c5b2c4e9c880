import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { decodeDockerLog } from '../../services/executor/backend/docker-log.js';
import { BOARD_CONSTRAINT, multiNodeDown, multiNodeSwarm, type MultiNodeSwarm } from '../support/multinode.js';

/**
 * Placement and node loss on a real multi-node swarm (scripts/multinode.sh, root only): a
 * manager `slwmn-mgr`, a worker `slwmn-w1` labelled `slipway.pool=board` and a second worker
 * `slwmn-w2`, each a dockerd in its own network namespace. The host's swarm is not involved.
 */

interface TaskView {
  ID: string;
  NodeID?: string;
  DesiredState: string;
  Status: { State: string; Message?: string; Err?: string; ContainerStatus?: { ExitCode?: number } };
}

const TERMINAL = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a multi-node swarm in network namespaces', () => {
  let swarm: MultiNodeSwarm;
  let docker: Docker;
  let workerId: string;
  const services: string[] = [];

  beforeAll(async () => {
    swarm = await multiNodeSwarm();
    docker = new Docker({ socketPath: swarm.managerSocket });
    const nodes = await docker.listNodes();
    const worker = nodes.find((node) => node.Description?.Hostname === swarm.workerHostname);
    if (!worker)
      throw new Error(
        `no node named ${swarm.workerHostname} in ${JSON.stringify(nodes.map((n) => n.Description?.Hostname))}`,
      );
    workerId = worker.ID;
  }, 150_000);

  afterAll(async () => {
    // Best effort on the services (the manager may be gone), then the whole swarm, always.
    if (docker) {
      for (const id of services)
        await docker
          .getService(id)
          .remove()
          .catch(() => undefined);
    }
    await multiNodeDown();
  }, 150_000);

  /** A ReplicatedJob on the board-labelled worker; returns its service id. */
  async function startJob(name: string, command: string): Promise<string> {
    const spec = {
      Name: `${name}-${Date.now().toString(36)}`,
      TaskTemplate: {
        ContainerSpec: { Image: 'slipway/busybox:1', Command: ['sh', '-c', command], Hostname: '{{.Node.Hostname}}' },
        RestartPolicy: { Condition: 'none' },
        Placement: { Constraints: [BOARD_CONSTRAINT] },
      },
      Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
    };
    const created = (await docker.createService(spec as unknown as Docker.CreateServiceOptions)) as unknown as {
      id?: string;
      ID?: string;
    };
    const id = created.id ?? created.ID;
    if (!id) throw new Error(`createService returned no id: ${JSON.stringify(created)}`);
    services.push(id);
    return id;
  }

  async function taskOf(serviceId: string): Promise<TaskView | undefined> {
    const tasks = (await docker.listTasks({ filters: { service: [serviceId] } })) as unknown as TaskView[];
    return tasks[0];
  }

  async function waitForTask(
    serviceId: string,
    done: (task: TaskView) => boolean,
    timeoutMs: number,
  ): Promise<TaskView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const task = await taskOf(serviceId);
      if (task && done(task)) return task;
      if (Date.now() > deadline)
        throw new Error(
          `task of ${serviceId} did not get there within ${timeoutMs} ms; last: ${JSON.stringify(task?.Status)}`,
        );
      await sleep(200);
    }
  }

  async function serviceLog(serviceId: string): Promise<string> {
    const raw = (await docker.getService(serviceId).logs({ stdout: true, stderr: true, follow: false })) as unknown;
    const buffer = Buffer.isBuffer(raw) ? raw : await collect(raw as AsyncIterable<Buffer>);
    return decodeDockerLog(buffer)
      .map((line) => line.text)
      .join('\n');
  }

  it(
    'places a job constrained to node.labels.slipway.pool==board on the worker ' +
      'and reads its log through the manager',
    async () => {
      const id = await startJob('mn-place', 'hostname; echo on-worker');
      const task = await waitForTask(id, (t) => TERMINAL.has(t.Status.State), 60_000);
      expect(task.NodeID).toBe(workerId);
      expect(task.Status.State).toBe('complete');
      expect(task.Status.ContainerStatus?.ExitCode).toBe(0);

      // The worker streams the log to the manager on request; give it a moment if it is empty.
      let log = '';
      for (let i = 0; i < 20 && !log.includes('on-worker'); i++) {
        log = await serviceLog(id);
        if (!log.includes('on-worker')) await sleep(250);
      }
      expect(log).toContain('on-worker');
      expect(log).toContain(swarm.workerHostname); // Hostname {{.Node.Hostname}}: it ran on slwmn-w1
    },
  );

  it('shows what the manager reports when the worker running a task is lost', async () => {
    const id = await startJob('mn-lost', 'sleep 300');
    const running = await waitForTask(id, (t) => t.Status.State === 'running' || TERMINAL.has(t.Status.State), 60_000);
    expect(running.Status.State).toBe('running');
    expect(running.NodeID).toBe(workerId);

    const timeline: string[] = [];
    let last = '';
    const started = Date.now();
    const observe = async (): Promise<{ task: TaskView | undefined; node: string }> => {
      const task = await taskOf(id);
      const node = await docker
        .getNode(workerId)
        .inspect()
        .then(
          (n: { Status?: { State?: string; Message?: string } }) =>
            `${n.Status?.State ?? '?'}${n.Status?.Message ? ` (${n.Status.Message})` : ''}`,
        )
        .catch((err: Error) => `gone (${err.message.split('\n')[0]})`);
      const now =
        `task ${task?.Status.State}/${task?.DesiredState} msg=${JSON.stringify(task?.Status.Message ?? '')} ` +
        `err=${JSON.stringify(task?.Status.Err ?? '')} | node ${node}`;
      if (now !== last) timeline.push(`+${((Date.now() - started) / 1000).toFixed(1)}s ${now}`);
      last = now;
      return { task, node };
    };

    await observe();
    await swarm.killWorker();
    timeline.push(`+${((Date.now() - started) / 1000).toFixed(1)}s worker dockerd SIGKILLed`);

    try {
      // 1. The manager marks the node down after missed heartbeats (default period 5 s).
      const downBy = Date.now() + 45_000;
      let seen = await observe();
      while (!seen.node.startsWith('down') && Date.now() < downBy) {
        await sleep(250);
        seen = await observe();
      }
      expect(seen.node).toMatch(/^down/);
      const nodeDownAfter = (Date.now() - started) / 1000;

      // 2. Watch the task a while longer: swarmkit keeps a down node's tasks in their last
      //    reported state (here `running`) and only orphans them after 24 h
      //    (dispatcher defaultNodeDownPeriod), so the task state alone never says "lost".
      const watchUntil = Date.now() + 10_000;
      while (Date.now() < watchUntil) {
        await sleep(500);
        seen = await observe();
      }
      expect(seen.task?.Status.State).toBe('running');
      timeline.push(
        `node down detected at +${nodeDownAfter.toFixed(1)}s; task still ${seen.task?.Status.State} 10 s later`,
      );

      // 3. Removing the down node from the swarm is what ends the task at once: `orphaned`.
      await docker.getNode(workerId).remove({ force: true });
      timeline.push(`+${((Date.now() - started) / 1000).toFixed(1)}s node removed (force)`);
      const endBy = Date.now() + 20_000;
      while (seen.task?.Status.State === 'running' && Date.now() < endBy) {
        await sleep(250);
        seen = await observe();
      }
      expect(seen.task?.Status.State).not.toBe('running');
      expect(seen.task?.Status.State).toBe('orphaned');
    } finally {
      console.log(`node-loss timeline (task ${id}):\n  ${timeline.join('\n  ')}`);
    }
  });
});

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}
