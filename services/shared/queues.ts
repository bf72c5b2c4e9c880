import { createHash } from 'node:crypto';
import type { RequestOrigin } from '../core/audit/audit-entry.js';
import type { BuildEvent } from '../core/builds/build-event.js';
import type { BuildRequest } from '../core/builds/types.js';
import type { Plan } from '../core/plan/types.js';
import type { CommitStatus } from '../core/status/types.js';
import type { CheckButton } from '../core/trigger/map-check-event.js';

/**
 * The queue contracts, in one place: names, payloads, job ids and default options.
 *
 * receiver --requests--> planner --builds--> executor
 *     planner, executor --statuses--> reporter
 *     executor --deployments--> reporter
 *     receiver (API, comments), executor (expiry) --approvals--> approver --builds--> executor
 *       (approvals of deploys, and passes and fails of manual test gates)
 *     receiver (/merge, the API, events that may move a queue) --merges--> merger
 */
export const QUEUES = {
  requests: 'slipway-requests',
  builds: 'slipway-builds',
  statuses: 'slipway-statuses',
  deployments: 'slipway-deployments',
  approvals: 'slipway-approvals',
  merges: 'slipway-merges',
  outgoing: 'slipway-outgoing',
} as const;

/** A build request to plan. Job id: the request id (the webhook delivery id). */
export interface RequestJob {
  request: BuildRequest;
  receivedAt: string;
}

/** A plan to run. Job id: the build id. */
export interface BuildJob {
  plan: Plan;
}

/** A commit status to post. Job id: build, context and state, so a repeat is a no-op. */
export interface StatusJob {
  buildId: string;
  owner: string;
  repo: string;
  sha: string;
  status: CommitStatus;
  /** Order of events within a build: a status never replaces a later one. */
  seq: number;
}

/** A GitHub deployment's progress. Job id: build, environment and rank, so a repeat is a no-op. */
export interface DeploymentJob {
  buildId: string;
  owner: string;
  repo: string;
  sha: string;
  environment: string;
  production: boolean;
  state: 'in_progress' | 'success' | 'failure' | 'error';
  description: string;
  environmentUrl?: string;
  logUrl: string;
  /** 0 for in_progress, 1 for the end: a deployment status never goes backwards. */
  seq: number;
}

/**
 * A decision on a parked deploy, or its expiry. A decision names the build, or the pull
 * request whose head commit it deploys (a `/approve` comment). Also the Checks tab's other buttons.
 */
export type ApprovalJob =
  | {
      kind: 'decision';
      owner: string;
      repo: string;
      buildId?: string;
      pullRequest?: number;
      user: string;
      decision: 'approve' | 'reject';
      via: 'api' | 'comment' | 'cli' | 'check_run';
      /** Where the decision came from (the API's request), for the audit trail. */
      from?: RequestOrigin;
    }
  | { kind: 'expire'; buildId: string }
  /**
   * A person's pass or fail of a stage held for a manual test: names the build, or the pull
   * request whose head commit it built (a `/pass` comment). `reason` is what they said with it.
   */
  | {
      kind: 'gate';
      owner: string;
      repo: string;
      buildId?: string;
      pullRequest?: number;
      user: string;
      decision: 'pass' | 'fail';
      reason?: string;
      via: 'api' | 'comment' | 'cli' | 'dashboard';
      from?: RequestOrigin;
    }
  /** A manual test gate's time ran out (delayed job `<build>-gate-expire`, queued when the stage is held). */
  | { kind: 'gate-expire'; buildId: string }
  /**
   * A Re-run or Cancel button clicked on GitHub's Checks tab, checked against the clicker's
   * permission like the API's; `delivery` makes a redelivered click one re-run.
   */
  | { kind: 'button'; button: Extract<CheckButton, { kind: 'rerun' | 'cancel' }>; delivery: string };

/**
 * Work for the merge queue (services/merger): a command on a pull request, or a nudge to look
 * at the heads of a repository's queues again (of one base, or of the base a pull request is
 * queued into, when given). Job id: `merge-<delivery>` for webhooks; rechecks carry a time slot.
 */
export type MergeJob =
  | {
      kind: 'command';
      owner: string;
      repo: string;
      pullRequest: number;
      user: string;
      command: 'merge' | 'cancel';
      via: 'comment' | 'api' | 'cli' | 'dashboard';
      from?: RequestOrigin;
    }
  | { kind: 'advance'; owner: string; repo: string; base?: string; pullRequest?: number }
  /** `slipway promote SHA`: open the pull request that promotes SHA to an environment, and queue it. */
  | {
      kind: 'promote';
      owner: string;
      repo: string;
      sha: string;
      environment?: string;
      user: string;
      from?: RequestOrigin;
    };

/** A queue's key in QUEUES: `requests`, `builds`, `statuses`, `deployments`, `approvals`. */
/** A build event to deliver to one outgoing webhook subscription. Job id: `hook-<subscription>-<event id>`. */
export interface OutgoingJob {
  subscriptionId: string;
  event: BuildEvent;
  /** Set by a redelivery the API asked for. */
  redelivery?: boolean;
}

export type QueueName = keyof typeof QUEUES;

/** The payload of each queue's jobs. */
export interface QueuePayloads {
  requests: RequestJob;
  builds: BuildJob;
  statuses: StatusJob;
  deployments: DeploymentJob;
  approvals: ApprovalJob;
  merges: MergeJob;
  outgoing: OutgoingJob;
}

/**
 * BullMQ job ids must not contain `:` and must not be all digits. Delivery ids are GUIDs;
 * anything else is made safe here rather than refused.
 */
export function safeJobId(id: string): string {
  if (/^[A-Za-z0-9_.-]+$/.test(id) && !/^\d+$/.test(id)) return id;
  // Hash anything else, so two different ids never map to the same job id.
  return `h${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
}

/**
 * The backoff of every queue's jobs: exponential from `delay`, and never sooner than a
 * transient error's `retryAfterMs` (GitHub's `Retry-After` or rate-limit reset). Computed by
 * the strategy every worker is given (redis/start-worker.ts); a permanent error is not retried at all.
 */
export const RETRY_BACKOFF = 'exponential-or-retry-after';

/** A queue's default job options (BullMQ's names): attempts, backoff, and how long finished jobs are kept. */
export interface JobOptions {
  attempts: number;
  backoff: { type: typeof RETRY_BACKOFF; delay: number };
  removeOnComplete: { age: number; count: number };
  removeOnFail: { age: number };
}

/** Keep finished jobs long enough that a redelivery of the same id is recognised. */
const keep = { removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 }, removeOnFail: { age: 30 * 24 * 3600 } };

export const JOB_OPTIONS: Record<QueueName, JobOptions> = {
  // Fetching the spec talks to GitHub: retry on trouble; a bad spec is a final answer, not an error.
  requests: { ...keep, attempts: 8, backoff: { type: RETRY_BACKOFF, delay: 2_000 } },
  // A build is run once; a crashed executor's job is picked up again as a stalled job.
  builds: { ...keep, attempts: 3, backoff: { type: RETRY_BACKOFF, delay: 5_000 } },
  // GitHub may be down for a while: keep trying for hours, never re-running a build; a refusal ends the job.
  statuses: { ...keep, attempts: 15, backoff: { type: RETRY_BACKOFF, delay: 1_000 } },
  deployments: { ...keep, attempts: 15, backoff: { type: RETRY_BACKOFF, delay: 1_000 } },
  approvals: { ...keep, attempts: 8, backoff: { type: RETRY_BACKOFF, delay: 2_000 } },
  // GitHub may be slow to answer; a merge is checked against the ref, so a retry never merges twice.
  merges: { ...keep, attempts: 8, backoff: { type: RETRY_BACKOFF, delay: 2_000 } },
  // A subscriber's URL may be down for a while: 2 s, 4 s, 8 s … about 17 minutes in all, then given up.
  outgoing: { ...keep, attempts: 10, backoff: { type: RETRY_BACKOFF, delay: 2_000 } },
};
