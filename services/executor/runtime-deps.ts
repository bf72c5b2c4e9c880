import type { BuildRequest } from '../core/builds/types.js';
import type { StageEvent } from '../core/status/types.js';
import type { Locks } from '../shared/ports/locks.js';
import type { SecretParamStore } from '../shared/ports/secret-param-store.js';
import type { BuildStore } from '../shared/ports/build-store.js';
import type { LogStore } from '../shared/ports/log-store.js';
import type { Logger } from '../shared/logger.js';
import type { ApprovalGate } from '../shared/approval-gate.js';
import type { ManualGates } from '../shared/ports/manual-gates.js';
import type { Queues } from '../shared/ports/queues.js';
import type { Backend } from './backend/types.js';
import type { ArtifactLimits } from '../core/artifacts/limits.js';
import type { ArtifactStore } from '../shared/ports/artifact-store.js';
import type { CacheStore } from '../shared/ports/cache-store.js';

/** A deploy to an environment started or ended. */
export interface DeploymentEvent {
  environment: string;
  production: boolean;
  url?: string;
  state: 'in_progress' | 'success' | 'failure' | 'error';
  description: string;
  /** Key of the step whose log tells most about it. */
  stepKey: string;
}

/** What the executor's runtime is given: the backend and the adapters around it. */
export interface RuntimeDeps {
  backend: Backend;
  /** The build's record: read when the build starts, written after every change. */
  builds: BuildStore;
  /** Each step's log: appended while it runs, replaced by the complete one after it ends. */
  logs: LogStore;
  /** Reports a stage event (the reporter turns it into a commit status). */
  report: (event: StageEvent) => Promise<void>;
  /** Reports the progress of a deploy to an environment (the reporter makes it a GitHub deployment). */
  deployment?: (event: DeploymentEvent) => Promise<void>;
  /** The values of the operator's secrets a repository may use, by name. */
  secretsFor: (repo: { owner: string; name: string }) => Record<string, string>;
  /** Where a manual run's secret parameters' values are kept; without it such steps lack them. */
  secretParams?: SecretParamStore;
  locks?: Locks;
  /** Decides deploys that need an approval; without it, such deploys are refused. */
  approvals?: ApprovalGate;
  /**
   * Where manual test gates are held (and their time-outs queued, on the approvals queue);
   * without it, a stage with `manual:` ends in error after its steps rather than wait.
   */
  gates?: { store: ManualGates; queues: Pick<Queues, 'add'> };
  /**
   * Token the checkout clones private repositories with (a Docker secret, never in env or a
   * command): in App mode, a token of the request's installation.
   */
  gitToken?: (request: BuildRequest) => Promise<string>;
  /**
   * Whether `sha` is still the head of branch `ref` (asked before a push's deploy); without
   * it, a deploy does not ask.
   */
  stillHead?: (repo: { owner: string; name: string }, ref: string, sha: string) => Promise<boolean>;
  /** Where steps' `artifacts:` are kept; without it, none are (and none restored). */
  artifacts?: ArtifactStore;
  /** The operator's limits on them (default 20 MiB a file, 50 MiB a build). */
  artifactLimits?: ArtifactLimits;
  /** Where steps' `cache:` entries are kept, per repository; without it, steps use no cache. */
  caches?: CacheStore;
  /** The largest entry the collector takes from a workspace (the store refuses larger ones too). */
  cacheMaxEntryBytes?: number;
  schedulingTimeoutMs: number;
  /** How long a step's node may be down before the step is given up (an infrastructure error). */
  nodeLossGraceMs?: number;
  logger: Logger;
  now?: () => Date;
  /**
   * Whether each step's log begins with how to run it locally (`reproduceLines`): the
   * executor service's logs do; `slipway run`, which is that local run, does not.
   */
  reproduceLines?: boolean;
}
