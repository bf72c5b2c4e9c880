import type { QueueName } from '../queues.js';

/** How many jobs one queue holds, by state, and how long its oldest waiting job has waited. */
export interface QueueCount {
  queue: QueueName;
  /** Ready to run, no worker has taken them yet. */
  waiting: number;
  /** Taken by a worker and running. */
  active: number;
  /** To run later: retries waiting for their backoff, approval expiries. */
  delayed: number;
  /** Ended for good without success (kept for a while for people to look at). */
  failed: number;
  /** Milliseconds since the oldest waiting job was added; 0 when none waits. */
  oldestWaitingMs: number;
}

/**
 * The queues counted, for the metrics (`/metrics` asks on every scrape) and `slipway status`.
 * Read-only and cheap (a few commands per queue); every queue of `QUEUES` is in the answer,
 * in that order, also when empty. Trouble reaching the queues is thrown.
 */
export interface QueueCensus {
  count(now: number): Promise<QueueCount[]>;
}
