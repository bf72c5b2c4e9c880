import Docker from 'dockerode';
import { decodeDockerLog } from '../../services/executor/backend/docker-log.js';

/**
 * Runs one-off `ReplicatedJob` services on a real swarm for tests that exercise the engine
 * directly (without Slipway's backend), and removes everything they made.
 *
 * Use: `const jobs = new SwarmJobs(docker, { 'slipway.test': instance })`, then `await jobs.run(...)`
 * for each job (it waits until the task is terminal and reads its log), and `await jobs.cleanup()`
 * in `afterAll`: services, then their lingering task containers, then the volumes and secrets
 * registered with `track`. Every object gets the given labels, never `slipway=1`, so no
 * Slipway reaper takes them for a build's.
 */
export interface JobResult {
  serviceId: string;
  /** The task's final state: `complete`, `failed`, `rejected`, ... */
  state: string;
  exitCode?: number;
  err?: string;
  /** The image the task ran, as the swarm recorded it. */
  image: string;
  /** The node the task was given to, if any. */
  nodeId?: string;
  /** stdout and stderr, one line each, in order. */
  log: string;
}

export interface JobOptions {
  /** Registry credentials for pulling the image (sent as X-Registry-Auth). */
  auth?: Docker.AuthConfig;
  /** Swarm placement constraints, e.g. `node.labels.pool==gpu`. */
  constraints?: string[];
  timeoutMs?: number;
}

interface TaskView {
  NodeID?: string;
  Spec?: { ContainerSpec?: { Image?: string } };
  Status: { State: string; Err?: string; ContainerStatus?: { ExitCode?: number } };
}

type ContainerSpec = Docker.ContainerSpec;

const TERMINAL = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class SwarmJobs {
  private readonly services: string[] = [];
  private readonly volumes: string[] = [];
  private readonly secrets: string[] = [];

  constructor(
    readonly docker: Docker,
    readonly labels: Record<string, string>,
  ) {}

  /** Runs `script` with `/bin/sh -c` in `container.Image` until its task is terminal. */
  async run(name: string, script: string, container: ContainerSpec, options: JobOptions = {}): Promise<JobResult> {
    const spec: Docker.ServiceSpec = {
      Name: name,
      Labels: this.labels,
      TaskTemplate: {
        ContainerSpec: { Command: ['/bin/sh', '-c', script], ...container },
        RestartPolicy: { Condition: 'none' },
        ...(options.constraints ? { Placement: { Constraints: options.constraints } } : {}),
      },
      Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
    } as Docker.ServiceSpec;
    const created = (await (options.auth
      ? this.docker.createService(options.auth, spec)
      : this.docker.createService(spec as Docker.CreateServiceOptions))) as unknown as { id?: string; ID?: string };
    const serviceId = created.id ?? created.ID;
    if (!serviceId) throw new Error(`createService returned no id: ${JSON.stringify(created)}`);
    this.services.push(serviceId);
    const task = await this.waitForEnd(serviceId, options.timeoutMs ?? 120_000);
    return {
      serviceId,
      state: task.Status.State,
      ...(task.Status.ContainerStatus?.ExitCode !== undefined
        ? { exitCode: task.Status.ContainerStatus.ExitCode }
        : {}),
      ...(task.Status.Err ? { err: task.Status.Err } : {}),
      image: task.Spec?.ContainerSpec?.Image ?? '',
      ...(task.NodeID ? { nodeId: task.NodeID } : {}),
      log: await this.log(serviceId),
    };
  }

  /** Removes the volume or secret (by name or id) in `cleanup`. */
  track(kind: 'volume' | 'secret', idOrName: string): void {
    (kind === 'volume' ? this.volumes : this.secrets).push(idOrName);
  }

  /** Removes what this instance made; tolerates objects already gone. */
  async cleanup(): Promise<void> {
    for (const id of this.services) await this.docker.getService(id).remove().catch(ignoreMissing);
    for (const id of this.services) {
      const filters = JSON.stringify({ label: [`com.docker.swarm.service.id=${id}`] });
      for (const c of await this.docker.listContainers({ all: true, filters }))
        await this.docker.getContainer(c.Id).remove({ force: true, v: true }).catch(ignoreMissing);
    }
    for (const name of this.volumes) await retryInUse(() => this.docker.getVolume(name).remove());
    for (const id of this.secrets) await this.docker.getSecret(id).remove().catch(ignoreMissing);
  }

  private async waitForEnd(serviceId: string, timeoutMs: number): Promise<TaskView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const tasks = (await this.docker.listTasks({ filters: { service: [serviceId] } })) as unknown as TaskView[];
      const task = tasks[0];
      if (task && TERMINAL.has(task.Status.State)) return task;
      if (Date.now() > deadline)
        throw new Error(`the task of ${serviceId} did not end within ${timeoutMs} ms: ${JSON.stringify(task?.Status)}`);
      await sleep(200);
    }
  }

  private async log(serviceId: string): Promise<string> {
    const raw = (await this.docker
      .getService(serviceId)
      .logs({ stdout: true, stderr: true, follow: false })) as unknown;
    const buffer = Buffer.isBuffer(raw) ? raw : await collect(raw as AsyncIterable<Buffer>);
    return decodeDockerLog(buffer)
      .map((line) => line.text)
      .join('\n');
  }
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function ignoreMissing(err: { statusCode?: number }): void {
  if (err.statusCode !== 404) throw err;
}

/** A volume stays "in use" for a moment after its containers are removed. */
async function retryInUse(remove: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await remove();
      return;
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 404) return;
      if (status !== 409 || attempt >= 20) throw err;
      await sleep(250);
    }
  }
}
