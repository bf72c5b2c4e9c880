import type { LogLine } from '../../shared/build-store.js';

/** Per-build objects: the network the steps share and the workspace volume holding the source. */
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
}

/** A started step, to follow, wait for and remove. */
export interface StepHandle {
  name: string;
  id: string;
  /** True when the step was already running and the backend attached to it instead of starting it. */
  reattached: boolean;
}

/**
 * How a step ended. An exit code is a normal result (`success` or `failure`); `error` is
 * infrastructure trouble (the step could not run, or was lost), with a readable reason.
 */
export type StepOutcome =
  | { kind: 'success' }
  | { kind: 'failure'; exitCode: number }
  | { kind: 'error'; reason: string };

export interface WaitOptions {
  /** How long a step may wait for a node before that is an error. */
  schedulingTimeoutMs: number;
  /** How long a step may run. */
  timeoutMs: number;
}

/**
 * Runs steps for the executor. The lifecycle, in the order the runtime calls it:
 *
 * 1. `setupBuild` once per build: makes the network and workspace. Idempotent.
 * 2. per step: `startStep` (re-attaches when a step of that name exists, never starts a
 *    second), `followLog` while it runs, `waitStep` until it ends, `readLog` for the complete
 *    log, then `removeStep`.
 * 3. `teardownBuild` once at the end, whatever happened: removes everything the build made.
 *    Idempotent and safe after a failed or partial setup.
 *
 * Trouble talking to the engine is thrown; what happened to a step is returned as data.
 */
export interface Backend {
  setupBuild(build: BuildResources): Promise<void>;
  startStep(step: StepSpec): Promise<StepHandle>;
  /** Delivers log lines as they are printed, until `stop` is called. Best effort: `readLog` is the record. */
  followLog(handle: StepHandle, onLines: (lines: LogLine[]) => void): { stop(): void };
  waitStep(handle: StepHandle, options: WaitOptions): Promise<StepOutcome>;
  /** The complete log of a step that has ended. */
  readLog(handle: StepHandle): Promise<LogLine[]>;
  removeStep(handle: StepHandle): Promise<void>;
  teardownBuild(buildId: string): Promise<void>;
}
