import Docker from 'dockerode';
import type { LogLine } from '../../shared/build-store.js';
import { DockerLogDecoder, decodeDockerLog } from './docker-log.js';
import { describeTaskError } from './task-errors.js';
import type { Backend, BuildResources, StepHandle, StepOutcome, StepSpec, WaitOptions } from './types.js';

/** Labels on every Swarm object Slipway makes; the reaper and teardown find them by these. */
export const LABEL = { managed: 'slipway', build: 'slipway.build', step: 'slipway.step', attempt: 'slipway.attempt' } as const;

const WORKSPACE = '/workspace';
const POLL_MS = 200;
const TERMINAL = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);
const UNSCHEDULED = new Set(['new', 'pending', 'assigned']);

interface Task {
  ID: string;
  CreatedAt?: string;
  NodeID?: string;
  Status?: { State?: string; Err?: string; Message?: string; ContainerStatus?: { ExitCode?: number } };
}

/**
 * The product backend: each step is a Swarm service in `ReplicatedJob` mode, on a per-build
 * overlay network, with the build's workspace volume mounted at /workspace.
 *
 * A local-driver volume lives on one node, so every step of a build is pinned to the node
 * of this executor's engine (the workspace's node).
 */
export class SwarmBackend implements Backend {
  private nodeId: Promise<string> | undefined;

  constructor(private readonly docker: Docker = new Docker()) {}

  async setupBuild(build: BuildResources): Promise<void> {
    const labels = { [LABEL.managed]: '1', [LABEL.build]: build.buildId };
    await ignoreConflict(() =>
      this.docker.createNetwork({ Name: build.network, Driver: 'overlay', Attachable: true, CheckDuplicate: true, Labels: labels }),
    );
    await this.docker.createVolume({ Name: build.volume, Labels: labels });
  }

  async startStep(step: StepSpec): Promise<StepHandle> {
    const labels = {
      [LABEL.managed]: '1',
      [LABEL.build]: step.build.buildId,
      [LABEL.step]: step.key,
      [LABEL.attempt]: String(step.attempt),
    };
    const spec = {
      Name: step.name,
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: step.image,
          Command: ['/bin/sh', '-c', step.script],
          Env: Object.entries(step.env).map(([k, v]) => `${k}=${v}`),
          Dir: WORKSPACE,
          Labels: labels,
          Mounts: [{ Type: 'volume', Source: step.build.volume, Target: WORKSPACE }],
        },
        RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
        Placement: { Constraints: [`node.id==${await this.localNode()}`] },
        Networks: [{ Target: step.build.network, Aliases: [step.key] }],
      },
      Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
    };
    try {
      const created = (await this.docker.createService(spec as Docker.CreateServiceOptions)) as { id?: string; ID?: string };
      return { name: step.name, id: created.id ?? created.ID ?? step.name, reattached: false };
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      // Started before this executor restarted: attach to it rather than start it again.
      const existing = (await this.docker.getService(step.name).inspect()) as { ID: string };
      return { name: step.name, id: existing.ID, reattached: true };
    }
  }

  followLog(handle: StepHandle, onLines: (lines: LogLine[]) => void): { stop(): void } {
    let stream: NodeJS.ReadableStream | undefined;
    let stopped = false;
    const decoder = new DockerLogDecoder();
    this.docker
      .getService(handle.id)
      .logs({ follow: true, stdout: true, stderr: true, timestamps: true })
      .then((s) => {
        stream = s as unknown as NodeJS.ReadableStream;
        if (stopped) return destroy(stream);
        stream.on('data', (chunk: Buffer) => {
          const lines = decoder.push(chunk);
          if (lines.length > 0) onLines(lines);
        });
        stream.on('error', () => undefined);
      })
      .catch(() => undefined);
    return {
      stop() {
        stopped = true;
        if (stream) destroy(stream);
      },
    };
  }

  async waitStep(handle: StepHandle, options: WaitOptions): Promise<StepOutcome> {
    const started = Date.now();
    for (;;) {
      const task = await this.latestTask(handle.id);
      const state = task?.Status?.State ?? 'new';
      if (TERMINAL.has(state)) return outcomeOf(task!);
      const waited = Date.now() - started;
      if (UNSCHEDULED.has(state) && waited > options.schedulingTimeoutMs) {
        const why = task?.Status?.Err || task?.Status?.Message || 'no node could take it';
        return { kind: 'error', reason: `not scheduled within ${Math.round(options.schedulingTimeoutMs / 1000)}s: ${why}` };
      }
      if (waited > options.timeoutMs) {
        return { kind: 'error', reason: `timed out after ${Math.round(options.timeoutMs / 1000)}s` };
      }
      await sleep(POLL_MS);
    }
  }

  async readLog(handle: StepHandle): Promise<LogLine[]> {
    const raw = (await this.docker.getService(handle.id).logs({ follow: false, stdout: true, stderr: true, timestamps: true })) as unknown;
    return decodeDockerLog(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
  }

  async removeStep(handle: StepHandle): Promise<void> {
    await ignoreMissing(() => this.docker.getService(handle.id).remove());
  }

  async teardownBuild(buildId: string): Promise<void> {
    const filters = JSON.stringify({ label: [`${LABEL.build}=${buildId}`] });
    const services = await this.docker.listServices({ filters });
    await Promise.all(services.map((s) => ignoreMissing(() => this.docker.getService(s.ID!).remove())));
    // Swarm keeps the exited containers of a removed job service for a long while; they hold
    // the workspace volume, so they go too.
    const containers = await this.docker.listContainers({ all: true, filters });
    await Promise.all(containers.map((c) => ignoreMissing(() => this.docker.getContainer(c.Id).remove({ force: true, v: false }))));
    // Networks are released asynchronously once their tasks are gone: retry while "in use".
    const networks = await this.docker.listNetworks({ filters });
    await Promise.all(networks.map((n) => retryInUse(() => this.docker.getNetwork(n.Id).remove())));
    const { Volumes } = await this.docker.listVolumes({ filters });
    await Promise.all((Volumes ?? []).map((v) => retryInUse(() => this.docker.getVolume(v.Name).remove())));
  }

  private localNode(): Promise<string> {
    this.nodeId ??= this.docker.info().then((info: { Swarm?: { NodeID?: string; LocalNodeState?: string } }) => {
      if (info.Swarm?.LocalNodeState !== 'active' || !info.Swarm.NodeID) {
        throw new Error('the Docker engine is not part of an active swarm (run `docker swarm init`)');
      }
      return info.Swarm.NodeID;
    });
    return this.nodeId;
  }

  private async latestTask(serviceId: string): Promise<Task | undefined> {
    const tasks = (await this.docker.listTasks({ filters: JSON.stringify({ service: [serviceId] }) })) as Task[];
    return tasks.sort((a, b) => (a.CreatedAt ?? '').localeCompare(b.CreatedAt ?? '')).at(-1);
  }
}

function outcomeOf(task: Task): StepOutcome {
  const status = task.Status ?? {};
  switch (status.State) {
    case 'complete':
      return { kind: 'success' };
    case 'failed': {
      const code = status.ContainerStatus?.ExitCode;
      if (typeof code === 'number' && code > 0) return { kind: 'failure', exitCode: code };
      return { kind: 'error', reason: describeTaskError(status.Err ?? 'the task failed without an exit code') };
    }
    case 'rejected':
      return { kind: 'error', reason: describeTaskError(status.Err ?? 'the task was rejected') };
    default:
      return { kind: 'error', reason: `the step was stopped by Swarm (task ${status.State}): its node may have been lost` };
  }
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

async function ignoreConflict(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (statusOf(err) !== 409) throw err;
  }
}

async function ignoreMissing(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
}

async function retryInUse(fn: () => Promise<unknown>, deadlineMs = 30_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await ignoreMissing(fn);
    } catch (err) {
      const busy = statusOf(err) === 409 || /in use|active endpoints/i.test(String((err as Error).message));
      if (!busy || Date.now() > until) throw err;
      await sleep(250);
    }
  }
}

function destroy(stream: NodeJS.ReadableStream): void {
  (stream as unknown as { destroy?: () => void }).destroy?.();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
