import Docker from 'dockerode';
import { serviceName, slug } from '../../core/plan/naming.js';
import { takeFileHashes } from '../../core/plan/hash-files-script.js';
import type { LogLine } from '../../core/builds/log-line.js';
import { DockerLogDecoder, decodeDockerLog } from './docker-log.js';
import { collectScript, restoreScript } from './collect-script.js';
import { CollectorLogReader } from './collector-log-reader.js';
import { ContainerExits } from './container-exits.js';
import { readLogStream } from './log-stream.js';
import { runNodeCleanup } from './node-cleanup.js';
import { resolveImage } from './resolve-image.js';
import { teardownBuildObjects } from './swarm-teardown.js';
import { describeTaskError } from './task-errors.js';
import {
  appServiceSpec,
  buildLabels,
  LABEL,
  sidecarServiceSpec,
  stepServiceSpec,
  WORKSPACE,
  type SecretRef,
} from './swarm-service-spec.js';
import type {
  AppAddress,
  AppSpec,
  Backend,
  BuildResources,
  CollectRequest,
  CollectResult,
  SidecarSpec,
  StepHandle,
  StepInputs,
  StepOutcome,
  StepRestore,
  StepSpec,
  WaitOptions,
} from './types.js';
import type { SwarmNodeView } from '../../shared/ports/executor-presence.js';
import type { Provisions } from '../../shared/ports/provisions.js';

export { LABEL } from './swarm-service-spec.js';

const POLL_MS = 200;
/**
 * The wait for a step's end: polls at 50 ms, doubling to 1 s (a task on this node: 1 s, its
 * container's exit wakes the wait). Once the container exited, Swarm marks the task ended a
 * few tens of ms later: polled every 10 ms, doubling to at most 200 ms, never the slow pace again.
 */
const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 1_000;
const AFTER_EXIT_POLL_MS = 10;
const MAX_AFTER_EXIT_POLL_MS = 200;
const TERMINAL = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);
const UNSCHEDULED = new Set(['new', 'pending', 'assigned']);
/** Docker refuses a secret past 500 KiB: a restored archive travels in parts of this size. */
const SECRET_PART_BYTES = 450 * 1024;
/** The most parts one restore takes (about 45 MiB): past it, the restore is refused with a reason. */
const MAX_RESTORE_PARTS = 100;

interface Task {
  ID: string;
  CreatedAt?: string;
  NodeID?: string;
  DesiredState?: string;
  Status?: {
    State?: string;
    Err?: string;
    Message?: string;
    ContainerStatus?: { ExitCode?: number };
    PortStatus?: { Ports?: Array<{ TargetPort?: number; PublishedPort?: number }> };
  };
}

export interface SwarmOptions {
  /**
   * Volume driver of the workspace. `local` (the default) keeps it on one node, so every
   * step of a build is pinned to the executor's node; a shared driver lets steps spread.
   */
  volumeDriver?: string;
  /** Names this Slipway installation; the reaper and teardown touch only objects carrying it. */
  instance?: string;
  /** Any local image, used only to mount the workspace while it is seeded. */
  seedImage?: string;
  /**
   * An image with `node` on every node (Slipway's own): runs the cleanup job that removes
   * builds' volumes and containers on other nodes (`cleanupNodes`). Without it there is none.
   */
  cleanupImage?: string;
  /**
   * The host name people reach a manual test's application at (`SLIPWAY_APP_HOST`); without
   * it, the address of the node the application runs on, as the swarm knows it.
   */
  appHost?: string;
  /**
   * What the capacity loop (services/executor/capacity/) is doing for a step's service whose
   * task (by id) waits unscheduled: `pending` while a node is being provisioned for it (the scheduling
   * timeout waits for that), `failed` with the reason when its node cannot be had (the step
   * ends in error with that reason at once, rather than the scheduling timeout's).
   */
  provisioning?: (service: string, taskId: string) => Promise<{ pending: true } | { failed: string } | undefined>;
  /**
   * Where the nodes holding a build's workspaces are recorded (the `Provisions` port), so the
   * capacity loop keeps a provisioned node while an unfinished build has a workspace on it.
   */
  workspaceHolds?: Pick<Provisions, 'holdNode' | 'releaseNodes'>;
  /** Reserve steps' `resources` as well as limit them (SLIPWAY_RESERVE_STEP_RESOURCES; swarm-service-spec.ts). */
  reserveResources?: boolean;
}

/** Docker secret holding a build's secret `name`. */
export function secretObjectName(buildId: string, name: string): string {
  return `slw-${buildId}-s-${slug(name)}`.slice(0, 63);
}

/**
 * The product backend: each step is a Swarm service in `ReplicatedJob` mode, on a per-build
 * overlay network, with the build's workspace volume mounted at /workspace; each sidecar a
 * one-replica service on that network, found by name through DNS round robin.
 */
export class SwarmBackend implements Backend {
  private nodeId: Promise<string> | undefined;
  private localNodeId: Promise<string | undefined> | undefined;
  private readonly volumeDriver: string;
  private readonly instance: string;
  /** A local volume: a workspace lives on one node, and a step placed elsewhere needs its own. */
  private readonly workspacePerNode: boolean;
  private readonly nodeNames = new Map<string, string>();
  private readonly seedImage: string;
  private readonly cleanupImage: string | undefined;
  private readonly appHost: string | undefined;
  private readonly provisioning: SwarmOptions['provisioning'];
  private readonly workspaceHolds: SwarmOptions['workspaceHolds'];
  private readonly reserveResources: boolean;
  /** Per build: the node holding a workspace for each placement (see `workspaceFor`). */
  private readonly workspaces = new Map<string, Map<string, Promise<{ node: string; lines: LogLine[] }>>>();
  /** Per build: how many placement checkouts it made, which names the next one. */
  private readonly checkouts = new Map<string, number>();
  /** Checkout log lines a placed step's log starts with, by service name. */
  private readonly preludes = new Map<string, LogLine[]>();
  /** Per build: the ids of the Docker secrets it made, by object name. */
  private readonly secrets = new Map<string, Map<string, string>>();
  /** The node each waited-on task was seen on, by service id, until its step is removed. */
  private readonly taskNodes = new Map<string, string>();
  /** Per build: its network, once made. */
  private readonly networks = new Map<string, Promise<void>>();
  /** The container each step's task ran in on this engine, by service id, once it was seen to exit. */
  private readonly exitedContainers = new Map<string, string>();
  /** Steps that could not be started (their workspace checkout failed), by service name: why. */
  private readonly unstarted = new Map<string, string>();
  /** Per build: the keys of the steps whose files each workspace (by node id) holds. */
  private readonly filesOn = new Map<string, Map<string, Set<string>>>();

  constructor(
    private readonly docker: Docker = new Docker(),
    options: SwarmOptions = {},
  ) {
    this.volumeDriver = options.volumeDriver ?? 'local';
    this.instance = options.instance ?? 'default';
    this.seedImage = options.seedImage ?? 'slipway/git:1';
    this.cleanupImage = options.cleanupImage;
    this.appHost = options.appHost;
    this.provisioning = options.provisioning;
    this.workspaceHolds = options.workspaceHolds;
    this.reserveResources = options.reserveResources ?? false;
    this.workspacePerNode = this.volumeDriver === 'local';
  }

  async setupBuild(build: BuildResources, secrets: Record<string, string>): Promise<void> {
    const labels = this.labels(build.buildId);
    // No network here: only a stage with sidecars needs one (`startSidecar` makes it).
    await Promise.all([
      this.docker.createVolume({ Name: build.volume, Driver: this.volumeDriver, Labels: labels }),
      ...Object.entries(secrets).map(([name, value]) =>
        ignoreConflict(async () => {
          const objectName = secretObjectName(build.buildId, name);
          const made = (await this.docker.createSecret({
            Name: objectName,
            Labels: labels,
            Data: Buffer.from(value).toString('base64'),
          })) as { id?: string };
          // Kept, so a step's secrets need no look-up; one made before a restart is looked up.
          if (made.id) this.secretIds(build.buildId).set(objectName, made.id);
        }),
      ),
    ]);
  }

  async resolveImages(images: readonly string[]): Promise<Record<string, string>> {
    const refs = await Promise.all(images.map((image) => resolveImage(this.docker, image)));
    return Object.fromEntries(images.map((image, i) => [image, refs[i]!]));
  }

  async seedWorkspace(build: BuildResources, openTar: () => NodeJS.ReadableStream): Promise<void> {
    // The workspace volume is on this engine's node: a stopped container that mounts it takes the archive.
    const container = await this.docker.createContainer({
      Image: this.seedImage,
      Cmd: ['true'],
      Labels: this.labels(build.buildId),
      HostConfig: { Mounts: [{ Type: 'volume', Source: build.volume, Target: WORKSPACE }] },
    });
    try {
      await container.putArchive(openTar(), { path: WORKSPACE });
    } finally {
      await ignoreMissing(() => container.remove({ force: true }));
    }
  }

  async startStep(step: StepSpec): Promise<StepHandle> {
    let placed = step;
    if (step.placement.length > 0 && this.workspacePerNode && step.checkout) {
      try {
        const workspace = await this.workspaceFor(step);
        this.preludes.set(step.name, workspace.lines);
        placed = { ...step, placement: [`node.id==${workspace.node}`] };
      } catch (err) {
        if (!(err instanceof WorkspaceError)) throw err;
        // Not an Engine failure: the step cannot run there, which its outcome says.
        this.unstarted.set(step.name, err.message);
        return { name: step.name, id: step.name, reattached: false };
      }
    }
    const pin = placed.placement.length > 0 ? [] : await this.pin();
    const node = placed === step ? (pin[0] ?? '').replace(/^node\.id==/, '') : placed.placement[0]!.slice(9);
    const where = this.workspacePerNode ? node : 'shared';
    if (step.inputs) {
      const refused = await this.restoreOnce(step, step.inputs, where);
      if (refused) {
        this.unstarted.set(step.name, refused);
        return { name: step.name, id: step.name, reattached: false };
      }
    }
    const restoreProblem = step.restore ? await this.restoreCache(step, step.restore, where) : undefined;
    const spec = stepServiceSpec(placed, {
      instance: this.instance,
      pin,
      secrets: await this.secretRefs(step.build.buildId, step.secrets),
      reserve: this.reserveResources,
    });
    const handle = await this.createOrAttach(step.name, spec);
    return restoreProblem ? { ...handle, restoreProblem } : handle;
  }

  /**
   * Extracts a cache entry into the workspace a step is about to run in. On this engine's own
   * node (or a shared volume) straight into the volume, through a stopped container that
   * mounts it (`PUT /containers/{id}/archive`: no job to schedule, no size limit); on
   * another node by the restore job, the archive as Docker secrets. Answers why it could
   * not, or undefined; a step already running (an executor restarted) is left alone.
   */
  private async restoreCache(step: StepSpec, restore: StepRestore, node: string): Promise<string | undefined> {
    if (await this.serviceExists(step.name)) return undefined;
    const local = node === 'shared' || node === (await this.localNode());
    if (!local)
      return this.extractByJob(step, restore.archive, `cache-${slug(step.key)}`.slice(0, 20), node, {
        image: restore.image,
        schedulingTimeoutMs: restore.schedulingTimeoutMs,
        what: 'the cache',
      });
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer({
        Image: restore.image,
        Cmd: ['true'],
        Labels: this.labels(step.build.buildId),
        HostConfig: { Mounts: [{ Type: 'volume', Source: step.build.volume, Target: WORKSPACE }] },
      });
    } catch (err) {
      // The image that mounts the workspace is not on this node (removed since the checkout): run without the cache.
      if (statusOf(err) === 404) return `the image ${restore.image} is not on this node: ${(err as Error).message}`;
      throw err;
    }
    try {
      await container.putArchive(restore.archive, { path: WORKSPACE });
      return undefined;
    } catch (err) {
      if (statusOf(err) === 400 || statusOf(err) === 500)
        return `the engine refused the archive: ${(err as Error).message}`;
      throw err;
    } finally {
      await ignoreMissing(() => container.remove({ force: true }));
    }
  }

  /**
   * Takes files from the workspace the step ran in, by a job on its node that mounts the
   * workspace and writes them to its log as a base64 tar (any node's log comes back through
   * the manager, so this needs no network between nodes). The log is decoded as it arrives,
   * never held whole.
   */
  async collectFiles(handle: StepHandle, request: CollectRequest): Promise<CollectResult> {
    if (this.unstarted.has(handle.name)) return { ok: true, sets: [] };
    const { build } = request;
    const node = this.taskNodes.get(handle.id) ?? (await this.latestTask(handle.id))?.NodeID;
    if (!node) return { ok: false, reason: 'the node the step ran on is not known' };
    const { outcome, log } = await this.fileJob(
      build,
      `collect-${request.step}`,
      node,
      {
        image: request.image,
        script: collectScript(request.sets),
        timeoutMs: request.timeoutMs,
        schedulingTimeoutMs: request.schedulingTimeoutMs,
      },
      async (handle, ended) => {
        if (ended.kind !== 'success') return undefined;
        const reader = new CollectorLogReader(request.sets);
        await this.streamLog(handle, (chunk) => reader.push(chunk));
        return reader.end();
      },
    );
    if (outcome.kind !== 'success' || !log)
      return { ok: false, reason: `the collector job ended: ${describe(outcome)}` };
    this.workspaceFiles(build.buildId, this.workspacePerNode ? node : 'shared').add(request.step);
    return log;
  }

  async startSidecar(sidecar: SidecarSpec): Promise<StepHandle> {
    await this.network(sidecar.build);
    const spec = sidecarServiceSpec(sidecar, { instance: this.instance, pin: await this.pin() });
    return this.createOrAttach(sidecar.name, spec);
  }

  async startApp(app: AppSpec): Promise<StepHandle> {
    await this.network(app.build);
    return this.createOrAttach(app.name, appServiceSpec(app, { instance: this.instance, pin: await this.pin() }));
  }

  async appAddress(handle: StepHandle): Promise<AppAddress | undefined> {
    const task = await this.latestTask(handle.id);
    const port = task?.Status?.PortStatus?.Ports?.find((p) => p.PublishedPort)?.PublishedPort;
    if (!task?.NodeID || !port) return undefined;
    if (this.appHost) return { host: this.appHost, port };
    const node = (await this.docker.getNode(task.NodeID).inspect()) as { Status?: { Addr?: string } };
    const addr = node.Status?.Addr;
    // A node that advertises 0.0.0.0 is reached on the engine's own host.
    return { host: addr && addr !== '0.0.0.0' ? addr : '127.0.0.1', port };
  }

  async waitReady(handle: StepHandle, options: WaitOptions): Promise<StepOutcome> {
    const started = Date.now();
    for (;;) {
      if (options.signal?.aborted) return { kind: 'cancelled', reason: String(options.signal.reason ?? 'cancelled') };
      const task = await this.latestTask(handle.id);
      const state = task?.Status?.State ?? 'new';
      // With a health check, Swarm reports `running` only once the container is healthy.
      if (state === 'running') return { kind: 'success' };
      if (TERMINAL.has(state)) {
        const outcome = outcomeOf(task!);
        const why =
          outcome.kind === 'failure'
            ? `exited with code ${outcome.exitCode}`
            : outcome.kind === 'error'
              ? outcome.reason
              : 'stopped';
        return { kind: 'error', reason: `sidecar ${handle.name} did not become ready: ${why}` };
      }
      if (Date.now() - started > options.timeoutMs) {
        return {
          kind: 'error',
          reason:
            `sidecar ${handle.name} was not ready within ${Math.round(options.timeoutMs / 1000)}s ` +
            `(${task?.Status?.Message ?? state})`,
        };
      }
      await sleep(POLL_MS);
    }
  }

  followLog(handle: StepHandle, onLines: (lines: LogLine[]) => void): { stop(): void } {
    if (this.unstarted.has(handle.name)) return { stop: () => undefined };
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
    const unstarted = this.unstarted.get(handle.name);
    if (unstarted !== undefined) return { kind: 'error', reason: unstarted };
    const started = Date.now();
    const watch = new NodeWatch(this.docker, options.nodeLossGraceMs ?? 15_000);
    // A container exit on this node wakes the wait at once; the poll is for everything else
    // (other nodes, scheduling, node loss), quick at first and slower as the step runs on.
    const exits = await ContainerExits.open(this.docker, handle.id);
    const onAbort = () => exits.close();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.pollStep(handle, options, started, watch, exits);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      exits.close();
      // Its log is read from that container, on this engine (see `readLog`).
      if (exits.death) this.exitedContainers.set(handle.id, exits.death.container);
    }
  }

  private async pollStep(
    handle: StepHandle,
    options: WaitOptions,
    started: number,
    watch: NodeWatch,
    exits: ContainerExits,
  ): Promise<StepOutcome> {
    let pause = FIRST_POLL_MS;
    let exited = false;
    for (;;) {
      if (options.signal?.aborted) {
        await this.removeStep(handle);
        return { kind: 'cancelled', reason: String(options.signal.reason ?? 'cancelled') };
      }
      const task = await this.latestTask(handle.id);
      const state = task?.Status?.State ?? 'new';
      if (task?.NodeID) this.taskNodes.set(handle.id, task.NodeID);
      if (TERMINAL.has(state)) return outcomeOf(task!);
      // Its container exited 0 and Swarm was not told to stop the task (a drain, a removal
      // would make it `shutdown`): the task is complete, which Swarm reports 0.1 to 0.9 s later
      // (the longer the busier the node). Any other exit waits for Swarm's word and its reason.
      if (exits.death?.exitCode === 0 && task?.DesiredState === 'complete') return { kind: 'success' };
      // Swarm keeps the task of a lost node `running` for a day: the node's own state tells.
      const lost = task?.NodeID ? await watch.lost(task.NodeID) : undefined;
      if (lost) {
        this.forgetWorkspacesOn(task!.NodeID!);
        await this.removeStep(handle);
        return { kind: 'error', reason: lost };
      }
      const waited = Date.now() - started;
      const provision =
        UNSCHEDULED.has(state) && task && !task.NodeID ? await this.provisioning?.(handle.name, task.ID) : undefined;
      if (provision && 'failed' in provision) {
        await this.stop(handle);
        return { kind: 'error', reason: provision.failed };
      }
      if (UNSCHEDULED.has(state) && !provision && waited > options.schedulingTimeoutMs) {
        const why = task?.Status?.Err || task?.Status?.Message || 'no node could take it';
        await this.stop(handle);
        return {
          kind: 'error',
          reason: `not scheduled within ${Math.round(options.schedulingTimeoutMs / 1000)}s: ${describeTaskError(why)}`,
        };
      }
      if (waited > options.timeoutMs) {
        await this.stop(handle);
        return { kind: 'failure', exitCode: 124, reason: `timed out after ${formatSeconds(options.timeoutMs)}` };
      }
      // A task on this engine's node says when its container exits: until then a slow poll is enough.
      if (!exited && exits.listening && task?.NodeID && task.NodeID === (await this.localNode()))
        pause = Math.max(pause, MAX_POLL_MS);
      const woken = await exits.next(Math.min(pause, Math.max(1, options.timeoutMs - waited)));
      // Swarm marks the task ended a moment after its container exits: look again soon, and
      // keep looking soon (the exit that woke the wait does not wake it a second time).
      if (woken === 'exit') exited = true;
      pause =
        woken === 'exit' ? AFTER_EXIT_POLL_MS : Math.min(pause * 2, exited ? MAX_AFTER_EXIT_POLL_MS : MAX_POLL_MS);
    }
  }

  async readLog(handle: StepHandle): Promise<LogLine[]> {
    const prelude = this.preludes.get(handle.name) ?? [];
    if (this.unstarted.has(handle.name)) return prelude;
    return [...prelude, ...(await this.serviceLog(handle))];
  }

  private async serviceLog(handle: StepHandle): Promise<LogLine[]> {
    // A task seen to exit on this engine: its container holds the complete log the moment it
    // exits, while Swarm's service log can still be empty then (it waits on the task's state),
    // and the engine answers without the manager's log broker.
    const container = this.exitedContainers.get(handle.id);
    if (container) {
      try {
        const raw = (await this.docker
          .getContainer(container)
          .logs({ follow: false, stdout: true, stderr: true, timestamps: true })) as unknown;
        return decodeDockerLog(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
      } catch (err) {
        // Gone already (removed with its service): Swarm's service log is asked instead.
        if (statusOf(err) !== 404) throw err;
      }
    }
    try {
      const raw = (await this.docker
        .getService(handle.id)
        .logs({ follow: false, stdout: true, stderr: true, timestamps: true })) as unknown;
      return decodeDockerLog(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
    } catch (err) {
      if (statusOf(err) === 404) return [];
      throw err;
    }
  }

  /**
   * Hands `handle`'s log, without timestamps, to `onChunk` as it arrives, read from where
   * `serviceLog` reads it (a missing container is known before any chunk, so the service's log
   * then starts afresh); nothing when the service is gone.
   */
  private async streamLog(handle: StepHandle, onChunk: (chunk: Buffer) => void): Promise<void> {
    const container = this.exitedContainers.get(handle.id);
    if (container) {
      try {
        return await readLogStream(this.docker, { container }, onChunk);
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
      }
    }
    try {
      await readLogStream(this.docker, { service: handle.id }, onChunk);
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }

  async nodeOf(handle: StepHandle): Promise<string | undefined> {
    // The wait saw the task's node: no second look-up for it.
    const id = this.taskNodes.get(handle.id) ?? (await this.latestTask(handle.id))?.NodeID;
    if (!id) return undefined;
    // Node names never change while a node is in the swarm: one lookup per node, not per step.
    let name = this.nodeNames.get(id);
    if (!name) {
      name =
        ((await this.docker.getNode(id).inspect()) as { Description?: { Hostname?: string } }).Description?.Hostname ??
        id;
      this.nodeNames.set(id, name);
    }
    return name;
  }

  async removeStep(handle: StepHandle): Promise<void> {
    this.taskNodes.delete(handle.id);
    this.exitedContainers.delete(handle.id);
    this.preludes.delete(handle.name);
    if (this.unstarted.delete(handle.name)) return;
    await ignoreMissing(() => this.docker.getService(handle.id).remove());
  }

  async teardownBuild(buildId: string): Promise<void> {
    this.filesOn.delete(buildId);
    const placed = (this.checkouts.get(buildId) ?? 0) > 0;
    this.workspaces.delete(buildId);
    this.checkouts.delete(buildId);
    this.networks.delete(buildId);
    this.secrets.delete(buildId);
    await teardownBuildObjects(this.docker, [`${LABEL.build}=${buildId}`, `${LABEL.instance}=${this.instance}`]);
    // A checkout made for a placement may have left its workspace on another node.
    if (placed) await this.cleanupNodes([buildId]);
    // Also after a restart, when this process no longer knows whether the build placed any.
    await this.workspaceHolds?.releaseNodes(buildId);
  }

  /**
   * Removes the volumes and containers of `buildIds` on every node, by a job run once on each
   * (`GlobalJob`, node-cleanup.ts); answers what each node said. Nothing without a cleanup image.
   */
  async nodes(): Promise<SwarmNodeView[]> {
    let nodes: unknown[];
    try {
      nodes = await this.docker.listNodes();
    } catch (err) {
      // A worker's engine may not list the swarm's nodes: that is an answer, not a fault.
      if ((err as { statusCode?: number }).statusCode === 503) return [];
      throw err;
    }
    return (nodes as NodeObject[]).map(nodeView).sort((a, b) => a.hostname.localeCompare(b.hostname));
  }

  async cleanupNodes(buildIds: string[]): Promise<string[]> {
    if (!this.cleanupImage || buildIds.length === 0) return [];
    const report = await runNodeCleanup(this.docker, {
      image: this.cleanupImage,
      name: `slw-cleanup-${slug(this.instance)}-${Date.now().toString(36)}`.slice(0, 63),
      labels: [`${LABEL.managed}=1`, `${LABEL.instance}=${this.instance}`],
      buildIds,
    });
    return report.lines;
  }

  async buildsPresent(): Promise<string[]> {
    const filters = JSON.stringify({ label: [LABEL.build, `${LABEL.instance}=${this.instance}`] });
    const labelled: Array<{ Labels?: Record<string, string> | null; Spec?: { Labels?: Record<string, string> } }> = [
      ...(await this.docker.listServices({ filters })),
      ...(await this.docker.listNetworks({ filters })),
      ...((await this.docker.listVolumes({ filters })).Volumes ?? []),
      ...(await this.docker.listContainers({ all: true, filters })),
      ...(await this.docker.listSecrets({ filters })),
    ];
    const ids = labelled
      .map((o) => (o.Spec?.Labels ?? o.Labels ?? {})[LABEL.build])
      .filter((id): id is string => Boolean(id));
    return [...new Set(ids)];
  }

  /** The build's overlay network, made once, for its sidecars and the steps beside them. */
  private network(build: BuildResources): Promise<void> {
    let made = this.networks.get(build.buildId);
    if (!made) {
      made = ignoreConflict(() =>
        this.docker.createNetwork({
          Name: build.network,
          Driver: 'overlay',
          Attachable: true,
          CheckDuplicate: true,
          Labels: this.labels(build.buildId),
        }),
      );
      made.catch(() => this.networks.delete(build.buildId));
      this.networks.set(build.buildId, made);
    }
    return made;
  }

  private labels(buildId: string): Record<string, string> {
    return buildLabels(this.instance, buildId);
  }

  /**
   * The node holding a workspace for this step's placement: with a local volume, a step placed
   * away from the executor's node needs a checkout of its own on a node that matches. It runs
   * once per placement and build, on a node Swarm picks; every step with that placement is
   * pinned there, and its log starts with that checkout's. A workspace on a node a step was
   * lost with is forgotten (`forgetWorkspacesOn`): the retry gets a new checkout on a node Swarm
   * picks (not a down one), instead of being pinned to the lost node until its scheduling timeout.
   */
  private workspaceFor(step: StepSpec): Promise<{ node: string; lines: LogLine[] }> {
    const buildId = step.build.buildId;
    const placements = this.workspaces.get(buildId) ?? new Map<string, Promise<{ node: string; lines: LogLine[] }>>();
    this.workspaces.set(buildId, placements);
    const key = step.placement.join(',');
    let found = placements.get(key);
    if (!found) {
      const made = (this.checkouts.get(buildId) ?? 0) + 1;
      this.checkouts.set(buildId, made);
      found = this.checkoutOn(step, `checkout-${made + 1}`).then(async (workspace) => {
        // Best effort: without the hold the node may be drained early, which is better than failing the step.
        await this.workspaceHolds?.holdNode(buildId, workspace.node).catch(() => undefined);
        return workspace;
      });
      placements.set(key, found);
    }
    return found;
  }

  /** The workspaces on a lost node are gone with it: the next step of that placement makes a new one. */
  private forgetWorkspacesOn(node: string): void {
    for (const placements of this.workspaces.values())
      for (const [key, found] of placements)
        found.then(
          (workspace) => {
            if (workspace.node === node && placements.get(key) === found) placements.delete(key);
          },
          () => undefined,
        );
  }

  private async checkoutOn(step: StepSpec, key: string): Promise<{ node: string; lines: LogLine[] }> {
    const checkout = step.checkout!;
    // On the node that already holds the workspace (one node, or the same node again), keep it.
    const keep = '[ -d /workspace/.git ] && echo "the workspace is already on this node" && exit 0';
    const script = `${keep}\n${checkout.script}`;
    const handle = await this.createOrAttach(
      serviceName(step.build.buildId, key, 1),
      stepServiceSpec(
        {
          build: step.build,
          key,
          attempt: 1,
          name: serviceName(step.build.buildId, key, 1),
          image: checkout.image,
          script,
          env: checkout.env,
          secrets: checkout.secrets,
          resources: {},
          placement: step.placement,
        },
        { instance: this.instance, pin: [], secrets: await this.secretRefs(step.build.buildId, checkout.secrets) },
      ),
    );
    const outcome = await this.waitStep(handle, {
      schedulingTimeoutMs: checkout.schedulingTimeoutMs,
      timeoutMs: checkout.timeoutMs,
    });
    const node = (await this.latestTask(handle.id))?.NodeID;
    const lines = await this.readLog(handle);
    await this.removeStep(handle);
    if (outcome.kind !== 'success' || !node) {
      const why =
        outcome.kind === 'failure'
          ? `exit code ${outcome.exitCode}`
          : outcome.kind === 'success'
            ? 'no node'
            : outcome.reason;
      throw new WorkspaceError(
        `could not check the source out on a node matching ${step.placement.join(', ')}: ${why}`,
      );
    }
    // The hashes the checkout prints for cache keys are the runtime's, from the build's own checkout.
    return { node, lines: takeFileHashes(lines).log };
  }

  /**
   * Puts earlier steps' files into the workspace on `node` unless it holds them already (it
   * ran them, or had them restored): a job on that node that extracts the archive, which
   * travels as Docker secrets of at most 450 KiB each (removed at once after). Answers why
   * it could not, or undefined. A step that is already running (an executor restarted) is left alone.
   */
  private async restoreOnce(step: StepSpec, inputs: StepInputs, node: string): Promise<string | undefined> {
    const held = this.workspaceFiles(step.build.buildId, node);
    if (inputs.steps.every((s) => held.has(s))) return undefined;
    if (await this.serviceExists(step.name)) return undefined;
    const refused = await this.extractByJob(step, await inputs.open(), `in-${slug(step.key)}`.slice(0, 20), node, {
      image: inputs.image,
      schedulingTimeoutMs: inputs.schedulingTimeoutMs,
      what: "the earlier steps' artifacts",
    });
    if (refused) return refused;
    for (const s of inputs.steps) held.add(s);
    return undefined;
  }

  private serviceExists(name: string): Promise<boolean> {
    return this.docker
      .getService(name)
      .inspect()
      .then(() => true)
      .catch(() => false);
  }

  /**
   * A job on `node` that extracts `archive` into its workspace, the archive travelling as
   * Docker secrets of at most 450 KiB each (removed at once after). Answers why it could not.
   */
  private async extractByJob(
    step: StepSpec,
    archive: Buffer,
    tag: string,
    node: string,
    job: { image: string; schedulingTimeoutMs: number; what: string },
  ): Promise<string | undefined> {
    const count = Math.ceil(archive.length / SECRET_PART_BYTES);
    if (count > MAX_RESTORE_PARTS)
      return (
        `${job.what} (${Math.round(archive.length / 1048576)} MiB) are too large to restore into a ` +
        `workspace on another node (at most ${Math.floor((MAX_RESTORE_PARTS * SECRET_PART_BYTES) / 1048576)} MiB); ` +
        'a shared volume driver (SLIPWAY_VOLUME_DRIVER) needs no restore'
      );
    const labels = this.labels(step.build.buildId);
    const parts: Array<{ name: string; secretId: string; secretName: string }> = [];
    try {
      for (let i = 0; i < count; i++) {
        const secretName = `slw-${step.build.buildId}-${tag}-${step.attempt}-${i}`.slice(0, 63);
        await ignoreMissing(() => this.docker.getSecret(secretName).remove());
        const made = (await this.docker.createSecret({
          Name: secretName,
          Labels: labels,
          Data: archive.subarray(i * SECRET_PART_BYTES, (i + 1) * SECRET_PART_BYTES).toString('base64'),
        })) as { id?: string; ID?: string };
        parts.push({ name: `part-${String(i).padStart(3, '0')}`, secretId: made.id ?? made.ID ?? '', secretName });
      }
      const { outcome, log: lines } = await this.fileJob(
        step.build,
        `${tag}-${step.attempt}`,
        node === 'shared' ? undefined : node,
        {
          image: job.image,
          script: restoreScript(parts.map((p) => `/run/secrets/${p.name}`)),
          timeoutMs: 120_000,
          schedulingTimeoutMs: job.schedulingTimeoutMs,
          secrets: parts,
        },
        (handle) => this.serviceLog(handle),
      );
      if (outcome.kind !== 'success') {
        const said = lines
          .filter((l) => l.stream === 'stderr')
          .map((l) => l.text)
          .slice(-2)
          .join(' / ');
        return `${job.what} could not be restored into the workspace: ${describe(outcome)}${said ? ` (${said})` : ''}`;
      }
      return undefined;
    } finally {
      await Promise.all(parts.map((p) => ignoreMissing(() => this.docker.getSecret(p.secretId).remove())));
    }
  }

  /**
   * A job on `node` (any node with a shared volume) with the build's workspace mounted: its
   * outcome, and what `read` made of its log once it ended (before the job is removed).
   */
  private async fileJob<T>(
    build: BuildResources,
    key: string,
    node: string | undefined,
    job: {
      image: string;
      script: string;
      timeoutMs: number;
      schedulingTimeoutMs: number;
      secrets?: Array<{ name: string; secretId: string; secretName: string }>;
    },
    read: (handle: StepHandle, outcome: StepOutcome) => Promise<T>,
  ): Promise<{ outcome: StepOutcome; log: T }> {
    const name = serviceName(build.buildId, key, 1);
    // A job of that name left by an earlier try (an executor restarted) is not attached to: its files may be stale.
    await ignoreMissing(() => this.docker.getService(name).remove());
    const handle = await this.createOrAttach(
      name,
      stepServiceSpec(
        {
          build,
          key,
          attempt: 1,
          name,
          image: job.image,
          script: job.script,
          env: {},
          secrets: [],
          resources: {},
          placement: node ? [`node.id==${node}`] : [],
        },
        { instance: this.instance, pin: [], secrets: job.secrets ?? [] },
      ),
    );
    try {
      const outcome = await this.waitStep(handle, {
        schedulingTimeoutMs: job.schedulingTimeoutMs,
        timeoutMs: job.timeoutMs,
      });
      return { outcome, log: await read(handle, outcome) };
    } finally {
      await this.removeStep(handle);
    }
  }

  private workspaceFiles(buildId: string, node: string): Set<string> {
    const nodes = this.filesOn.get(buildId) ?? new Map<string, Set<string>>();
    this.filesOn.set(buildId, nodes);
    const held = nodes.get(node) ?? new Set<string>();
    nodes.set(node, held);
    return held;
  }

  private async createOrAttach(name: string, spec: object): Promise<StepHandle> {
    try {
      const created = (await this.docker.createService(spec as Docker.CreateServiceOptions)) as {
        id?: string;
        ID?: string;
      };
      return { name, id: created.id ?? created.ID ?? name, reattached: false };
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      // Started before this executor restarted: attach to it rather than start it again.
      const existing = (await this.docker.getService(name).inspect()) as { ID: string };
      return { name, id: existing.ID, reattached: true };
    }
  }

  /** Kills a step's container but keeps its service, so its log can still be read. */
  private async stop(handle: StepHandle): Promise<void> {
    const filters = JSON.stringify({ label: [`com.docker.swarm.service.id=${handle.id}`] });
    const containers = await this.docker.listContainers({ filters });
    await Promise.all(containers.map((c) => ignoreMissing(() => this.docker.getContainer(c.Id).kill())));
  }

  private async secretRefs(buildId: string, names: readonly string[]): Promise<SecretRef[]> {
    if (names.length === 0) return [];
    const wanted = new Map(names.map((n) => [secretObjectName(buildId, n), n]));
    const known = this.secretIds(buildId);
    if ([...wanted.keys()].every((objectName) => known.has(objectName)))
      return [...wanted].map(([secretName, name]) => ({ name, secretId: known.get(secretName)!, secretName }));
    const secrets = await this.docker.listSecrets({
      filters: JSON.stringify({ label: [`${LABEL.build}=${buildId}`] }),
    });
    return secrets
      .filter((s) => wanted.has(s.Spec?.Name ?? ''))
      .map((s) => ({ name: wanted.get(s.Spec!.Name!)!, secretId: s.ID, secretName: s.Spec!.Name! }));
  }

  private secretIds(buildId: string): Map<string, string> {
    let ids = this.secrets.get(buildId);
    if (!ids) this.secrets.set(buildId, (ids = new Map()));
    return ids;
  }

  /** The swarm node id of this engine, once asked (undefined when it is not in a swarm). */
  private localNode(): Promise<string | undefined> {
    this.localNodeId ??= this.docker
      .info()
      .then((info: { Swarm?: { NodeID?: string } }) => info.Swarm?.NodeID || undefined)
      .catch(() => undefined);
    return this.localNodeId;
  }

  /** With a local volume, every step runs on the node holding the workspace: this executor's. */
  private async pin(): Promise<string[]> {
    if (this.volumeDriver !== 'local') return [];
    this.nodeId ??= this.docker.info().then((info: { Swarm?: { NodeID?: string; LocalNodeState?: string } }) => {
      if (info.Swarm?.LocalNodeState !== 'active' || !info.Swarm.NodeID) {
        throw new Error('the Docker engine is not part of an active swarm (run `docker swarm init`)');
      }
      return info.Swarm.NodeID;
    });
    return [`node.id==${await this.nodeId}`];
  }

  private async latestTask(serviceId: string): Promise<Task | undefined> {
    const tasks = (await this.docker.listTasks({ filters: JSON.stringify({ service: [serviceId] }) })) as Task[];
    return tasks.sort((a, b) => (a.CreatedAt ?? '').localeCompare(b.CreatedAt ?? '')).at(-1);
  }
}

/** A step's own checkout on another node did not succeed: the step ends in an error, nothing is thrown. */
class WorkspaceError extends Error {}

/** Watches the node a task runs on, at most once a second. */
class NodeWatch {
  // The first look after a second: a step that ends sooner never needs one.
  private checkedAt = Date.now();
  private downSince: number | undefined;
  private why = '';

  constructor(
    private readonly docker: Docker,
    private readonly graceMs: number,
  ) {}

  /** Why the node counts as lost, once it has been down longer than the grace period. */
  async lost(nodeId: string): Promise<string | undefined> {
    if (Date.now() - this.checkedAt >= 1_000) {
      this.checkedAt = Date.now();
      const node = (await this.docker
        .getNode(nodeId)
        .inspect()
        .catch(() => undefined)) as
        { Description?: { Hostname?: string }; Status?: { State?: string; Message?: string } } | undefined;
      const down = !node || node.Status?.State === 'down' || node.Status?.State === 'disconnected';
      this.downSince = down ? (this.downSince ?? Date.now()) : undefined;
      this.why =
        `the node running this step (${node?.Description?.Hostname ?? nodeId}) was lost: ` +
        (node ? `${node.Status?.State}, ${node.Status?.Message ?? 'no message'}` : 'it left the swarm');
    }
    return this.downSince !== undefined && Date.now() - this.downSince >= this.graceMs ? this.why : undefined;
  }
}

function outcomeOf(task: Task): StepOutcome {
  const status = task.Status ?? {};
  switch (status.State) {
    case 'complete':
      return { kind: 'success' };
    case 'failed': {
      const code = status.ContainerStatus?.ExitCode;
      if (code === 137) return { kind: 'error', reason: describeTaskError(status.Err ?? 'killed (exit 137)') };
      if (typeof code === 'number' && code > 0) return { kind: 'failure', exitCode: code };
      return { kind: 'error', reason: describeTaskError(status.Err ?? 'the task failed without an exit code') };
    }
    case 'rejected':
      return { kind: 'error', reason: describeTaskError(status.Err ?? 'the task was rejected') };
    default:
      return {
        kind: 'error',
        reason:
          `the step was stopped by Swarm (task ${status.State}${status.Err ? `: ${status.Err}` : ''}); ` +
          'its node may have been lost',
      };
  }
}

function describe(outcome: StepOutcome): string {
  if (outcome.kind === 'failure') return `exit code ${outcome.exitCode}${outcome.reason ? `, ${outcome.reason}` : ''}`;
  return outcome.kind === 'success' ? 'success' : outcome.reason;
}

function formatSeconds(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${Math.round(ms / 1000)}s`;
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

function destroy(stream: NodeJS.ReadableStream): void {
  (stream as unknown as { destroy?: () => void }).destroy?.();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What `nodes` reads of a node object of the Engine API. */
interface NodeObject {
  ID: string;
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string> };
  Description?: { Hostname?: string };
  Status?: { State?: string };
}

function nodeView(node: NodeObject): SwarmNodeView {
  return {
    id: node.ID,
    hostname: node.Description?.Hostname ?? node.ID,
    role: node.Spec?.Role ?? 'unknown',
    state: node.Status?.State ?? 'unknown',
    availability: node.Spec?.Availability ?? 'unknown',
    labels: node.Spec?.Labels ?? {},
  };
}
