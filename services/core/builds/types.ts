/** A repository on GitHub. */
export interface RepoRef {
  owner: string;
  name: string;
}

/** What a trigger asks for: build this commit of this repository. Plain data, made by a pure mapping. */
export interface BuildRequest {
  /** Unique per request; for webhooks the `X-GitHub-Delivery` id. */
  id: string;
  event: string;
  repo: RepoRef;
  sha: string;
  /** Full ref, e.g. `refs/heads/master`. */
  ref: string;
  cloneUrl: string;
  /** The commit's subject (a push's head commit message, first line) or the pull request's title, for people. */
  subject?: string;
  /** Login of the person whose action triggered the build. */
  sender: string;
  /** A push that rewrote the branch's history (not a fast-forward): never deployed. */
  forced?: boolean;
  /** A pull request's number, when the build is for one. */
  pullRequest?: number;
  /** The branch a pull request would merge into. */
  baseRef?: string;
  /**
   * The repository's default branch (the webhook's `repository.default_branch`), whose caches
   * every build may restore. Absent for manual runs and records from before it was carried
   * (`defaultBranch` in core/plan/cache-scope.ts says what counts then).
   */
  defaultBranch?: string;
  /** A manual run's parameters, given to every step as environment variables. */
  params?: Record<string, string>;
  /** The pull request comes from a fork: its build gets no secrets and never deploys. */
  fork?: boolean;
  /**
   * The repository is private on GitHub (from the webhook's `repository.private`, or looked
   * up for a manual run). Unknown (a record from before it was carried) counts as private.
   */
  private?: boolean;
  /**
   * The GitHub App installation the webhook came from (its `installation.id`): the build
   * talks to GitHub with that installation's tokens. Absent for token mode and manual runs
   * (the repository's installation is looked up then).
   */
  installationId?: number;
  /** Names of a manual run's secret parameters: their values are never in the request (see secret-params). */
  secretParams?: string[];
  /**
   * A re-run (services/shared/rerun.ts): the build it repeats, and with `steps` only those
   * step keys run; every other step is carried as `skipped`, "passed in build X".
   */
  rerunOf?: { buildId: string; steps?: string[] };
}

/** A build's outcome, and that of each stage and step. */
export type RunState = 'queued' | 'waiting' | 'running' | 'success' | 'failure' | 'error' | 'skipped' | 'cancelled';

/** Every run state, in the order a run goes through them (for filters and forms). */
export const RUN_STATES: readonly RunState[] = [
  'queued',
  'waiting',
  'running',
  'success',
  'failure',
  'error',
  'skipped',
  'cancelled',
];

/** The states a build, stage or step never leaves. */
export const FINAL_STATES: ReadonlySet<string> = new Set<RunState>([
  'success',
  'failure',
  'error',
  'skipped',
  'cancelled',
]);

export function isFinal(state: string): boolean {
  return FINAL_STATES.has(state);
}
