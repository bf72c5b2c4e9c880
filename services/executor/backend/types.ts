import type { PlanHostAccess, PlanSidecar } from '../../core/plan/types.js';
import type { LogLine } from '../../core/builds/log-line.js';
import type { SwarmNodeView } from '../../shared/ports/executor-presence.js';
import type { TarFile } from '../../core/artifacts/tar.js';

/**
 * Per-build objects: the network the steps share, the workspace volume holding the source,
 * and the secrets its steps use.
 */
export interface BuildResources {
  buildId: string;
  network: string;
  volume: string;
}

/** One attempt of one step, fully specified. The name is deterministic per build, step and attempt. */
export interface StepSpec {
  build: BuildResources;
  key: string;
  attempt: number;
  name: string;
  image: string;
  /** Run with `/bin/sh -c`, in the workspace. */
  script: string;
  env: Record<string, string>;
  /** Names of the build's secrets this step reads, as files `/run/secrets/<name>`. */
  secrets: string[];
  resources: { cpus?: number; memoryBytes?: number };
  /**
   * Placement constraints. Without any, a backend whose workspace lives on one node pins the
   * step to the node holding the build's workspace; with some, the caller has chosen.
   */
  placement: string[];
  /** Host bind mounts, the host network and added capabilities, when the operator allowed them. */
  host?: Pick<PlanHostAccess, 'mounts' | 'network' | 'capabilities'>;
  /**
   * Joins the build's network, where the stage's sidecars are; only steps of a stage with
   * sidecars do (a step without a network of its own still reaches the git server and the
   * internet through the default bridge, and starts faster).
   */
  sidecarNetwork?: boolean;
  /**
   * The build's checkout, for a backend whose workspace lives on one node: a step placed
   * elsewhere gets a checkout of its own on a node that matches its placement (once per
   * placement and build), and runs there.
   */
  checkout?: WorkspaceCheckout;
  /**
   * Files earlier steps of the build kept (`artifacts:`), to be in the workspace the step runs
   * in before it starts. A backend restores them where they are not already (a workspace on
   * another node, or made again after an approval), and a step whose files cannot be put there
   * does not start: its outcome is an `error` saying why.
   */
  inputs?: StepInputs;
  /**
   * A cache entry (a tar archive, modes and links as saved) to extract into the workspace the
   * step runs in, after `inputs`, before it starts. Best effort: a backend that cannot put it
   * there starts the step without it and says why in `StepHandle.restoreProblem`.
   */
  restore?: StepRestore;
}

/** A cache entry to restore before a step starts. */
export interface StepRestore {
  archive: Buffer;
  /** An image with busybox (Slipway's git image, by its resolved reference) to run the restore in. */
  image: string;
  schedulingTimeoutMs: number;
}

/** What a step is given of earlier steps' files. */
export interface StepInputs {
  /** Keys of the steps that kept the files (a workspace that has seen them collected has them). */
  steps: string[];
  /** The files as one tar archive, read only when they must be restored. */
  open: () => Promise<Buffer>;
  /** An image with busybox (Slipway's git image, by its resolved reference) to run the restore in. */
  image: string;
  schedulingTimeoutMs: number;
}

/** One set of files to take from a step's workspace after it ended. */
export interface FileSet {
  name: string;
  /** Relative to the workspace: files or directories (`globs: false`), or globs with `*`, `**` and `?`. */
  paths: string[];
  globs: boolean;
  /**
   * Taken as one archive of the paths as they are (modes, links and empty directories kept:
   * a cache), answered in `CollectedSet.archive`, instead of as regular files. Paths only, no globs.
   */
  raw?: boolean;
  /** Files larger than this are named, not taken; nor is anything of a set larger than `maxTotalBytes`. */
  maxFileBytes: number;
  maxTotalBytes: number;
}

export interface CollectRequest {
  build: BuildResources;
  /** The step's key: the backend remembers which workspace now has its files. */
  step: string;
  sets: FileSet[];
  /** An image with busybox (`find`, `tar`, `base64`), by its resolved reference. */
  image: string;
  timeoutMs: number;
  schedulingTimeoutMs: number;
}

/** What was found of one set. Nothing is taken of a set with a file or a total over its limits. */
export interface CollectedSet {
  name: string;
  files: TarFile[];
  /** Paths (or globs) that matched nothing. */
  missing: string[];
  tooBig: Array<{ path: string; size: number }>;
  /** The size of everything the set matched. */
  totalBytes: number;
  /** A `raw` set's archive, when anything was taken. */
  archive?: Buffer;
}

export type CollectResult = { ok: true; sets: CollectedSet[] } | { ok: false; reason: string };

/** The build's checkout, as a backend runs it again for a step placed on another node. */
export interface WorkspaceCheckout {
  image: string;
  script: string;
  env: Record<string, string>;
  /** The checkout's own secrets (clone credentials), delivered on the other node too. */
  secrets: string[];
  timeoutMs: number;
  schedulingTimeoutMs: number;
}

/**
 * A service beside the steps of a stage (a database), reachable by `key` on the build's
 * network; `name` is its Swarm service name.
 */
export interface SidecarSpec extends Omit<PlanSidecar, 'name'> {
  build: BuildResources;
  name: string;
}

/**
 * The application a manual test gate keeps up for people: one replica on the build's network
 * (where the sidecars are), the workspace at /workspace, `port` published on a port of the
 * node it runs on (chosen by the engine), so people reach it from outside the swarm.
 */
export interface AppSpec {
  build: BuildResources;
  key: string;
  name: string;
  image: string;
  env: Record<string, string>;
  command?: string[];
  port: number;
}

/** Where people reach a started application: a host name or address of its node, and the published port. */
export interface AppAddress {
  host: string;
  port: number;
}

/** A started step or sidecar, to follow, wait for and remove. */
export interface StepHandle {
  name: string;
  id: string;
  /** True when the step was already running and the backend attached to it instead of starting it. */
  reattached: boolean;
  /** Why `StepSpec.restore` could not be put in the workspace; the step started without it. */
  restoreProblem?: string;
}

/**
 * How a step ended. An exit code is a normal result (`success` or `failure`); a step that
 * ran past its time limit is a failure with a reason; `error` is infrastructure trouble (the
 * step could not run, or was lost), with a readable reason; `cancelled` means it was stopped
 * on purpose.
 */
export type StepOutcome =
  | { kind: 'success' }
  | { kind: 'failure'; exitCode: number; reason?: string }
  | { kind: 'error'; reason: string }
  | { kind: 'cancelled'; reason: string };

export interface WaitOptions {
  /** How long a step may wait for a node before that is an error. */
  schedulingTimeoutMs: number;
  /** How long a step may run. */
  timeoutMs: number;
  /** Aborted when the build is cancelled: the step is stopped and `cancelled` returned. */
  signal?: AbortSignal;
  /** How long the node running a step may be down before the step is given up as lost. */
  nodeLossGraceMs?: number;
}

/**
 * Runs steps for the executor. The lifecycle, in the order the runtime calls it:
 *
 * 1. `setupBuild` once per build: makes the workspace and the secrets (the network comes with
 *    the first sidecar). Idempotent (a re-run after a crash finds them made). `resolveImages`
 *    beside it.
 * 2. per stage, `startSidecar` and `waitReady` for each of its sidecars; for a stage held for a
 *    manual test, after its steps, `startApp`, `waitReady` and `appAddress` for its application.
 *    A held build's objects stay up while no job runs; `teardownBuild` removes them when the
 *    build runs on after the decision (or the timeout).
 * 3. per step: `startStep` (re-attaches when a step of that name exists, never starts a
 *    second), `followLog` while it runs, `waitStep` until it ends, `readLog` for the complete
 *    log, then `removeStep`.
 * 4. `teardownBuild` once at the end, whatever happened: removes everything the build made
 *    (sidecars too). Idempotent and safe after a failed or partial setup.
 *
 * Trouble talking to the engine is thrown; what happened to a step is returned as data.
 */
export interface Backend {
  setupBuild(build: BuildResources, secrets: Record<string, string>): Promise<void>;
  /**
   * The reference each image runs by, looked up once per build (the Swarm backend: its digest
   * or local id, so no task asks a registry and every node runs the same image); an image it
   * cannot resolve maps to itself, and its step then fails as it would have.
   */
  resolveImages(images: readonly string[]): Promise<Record<string, string>>;
  /**
   * Fills the build's workspace from a tar stream instead of a checkout (`slipway run` on a
   * working tree). After `setupBuild`. The stream is opened only when it can be read at once:
   * a child process's output that ends unread is lost.
   */
  seedWorkspace(build: BuildResources, openTar: () => NodeJS.ReadableStream): Promise<void>;
  startStep(step: StepSpec): Promise<StepHandle>;
  /** Delivers log lines as they are printed, until `stop` is called. Best effort: `readLog` is the record. */
  followLog(handle: StepHandle, onLines: (lines: LogLine[]) => void): { stop(): void };
  waitStep(handle: StepHandle, options: WaitOptions): Promise<StepOutcome>;
  /** The complete log of a step that has ended. */
  readLog(handle: StepHandle): Promise<LogLine[]>;
  removeStep(handle: StepHandle): Promise<void>;
  /** The name of the node a step ran on (for people: the build page shows it), once it was scheduled. */
  nodeOf(handle: StepHandle): Promise<string | undefined>;
  startSidecar(sidecar: SidecarSpec): Promise<StepHandle>;
  /** Resolves `success` once the sidecar's ready check passes, `error` when it does not in time. */
  waitReady(handle: StepHandle, options: WaitOptions): Promise<StepOutcome>;
  /**
   * Takes files from the workspace a step ran in, after `waitStep` and before `removeStep`
   * (the Swarm backend runs a job on the step's node that writes them to its log as a
   * base64 tar). Files it could not read are an answer (`ok: false`), engine trouble is thrown.
   * A backend without it keeps no artifacts and reads no reports.
   */
  collectFiles?(handle: StepHandle, request: CollectRequest): Promise<CollectResult>;
  /** Starts a manual test's application (re-attaches to one of that name); `waitReady` waits until it runs. */
  startApp(app: AppSpec): Promise<StepHandle>;
  /** Where people reach a running application; undefined while the engine has not published its port. */
  appAddress(handle: StepHandle): Promise<AppAddress | undefined>;
  teardownBuild(buildId: string): Promise<void>;
  /** Build ids of every build that has objects on the engine; for the start-up reaper. */
  buildsPresent(): Promise<string[]>;
  /**
   * Removes what `buildIds` left on nodes other than the engine's own (volumes, containers),
   * for backends that spread a build over nodes; answers what was done, line by line.
   */
  cleanupNodes?(buildIds: string[]): Promise<string[]>;
  /**
   * The nodes of the swarm, for `slipway status`; empty when the engine is not a manager.
   * Backends without nodes omit it.
   */
  nodes?(): Promise<SwarmNodeView[]>;
}
