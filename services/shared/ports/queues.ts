import type { QueueName, QueuePayloads } from '../queues.js';

/** How a job is added: its id (a second job of that id is a no-op while the first exists) and an optional delay. */
export interface AddOptions {
  jobId: string;
  /** Run it no sooner than this many milliseconds from now (an approval's expiry). */
  delayMs?: number;
}

/**
 * The producers of every queue (the contracts are in `shared/queues.ts`): the receiver adds
 * requests and approval decisions, the planner builds and statuses, the executor statuses,
 * deployments and approval expiries, the approver builds.
 *
 * A job is added with the queue's default options (attempts, backoff, how long finished jobs
 * are kept). Must tolerate: the same job id added twice (the second is a no-op while the
 * first is kept, so a redelivered webhook or a re-run handler queues nothing new); trouble
 * reaching the queue is thrown, so the caller can answer or retry.
 */
export interface Queues {
  add<Q extends QueueName>(queue: Q, payload: QueuePayloads[Q], options: AddOptions): Promise<void>;
}
