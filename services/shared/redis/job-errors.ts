import { UnrecoverableError, type Job, type MinimalJob } from 'bullmq';
import { retryDelayMs } from '../../core/errors/retry-delay.js';
import type { SlipwayError } from '../../core/errors/slipway-error.js';
import { toSlipwayError } from '../../core/errors/to-slipway-error.js';

/** Errors BullMQ itself acts on when a processor throws them: passed through untouched. */
const BULLMQ_CONTROL = new Set(['UnrecoverableError', 'DelayedError', 'WaitingError', 'WaitingChildrenError']);

/**
 * Wraps a processor so that what it throws decides the job's fate: a permanent error becomes
 * BullMQ's `UnrecoverableError` (the job fails at once, whatever attempts are left), the typed
 * error kept as its `cause`; a transient one is thrown as a typed error, so the backoff below
 * can read its delay. A thrown value that is not typed yet is classified (`toSlipwayError`).
 */
export function typedProcessor<T>(process: (job: Job<T>) => Promise<unknown>): (job: Job<T>) => Promise<unknown> {
  return async (job) => {
    try {
      return await process(job);
    } catch (err) {
      if (err instanceof Error && BULLMQ_CONTROL.has(err.name)) throw err;
      const typed = toSlipwayError(err);
      if (typed.retryable) throw typed;
      throw Object.assign(new UnrecoverableError(typed.message), { cause: typed });
    }
  };
}

/**
 * The custom backoff strategy of every worker (jobs name it as `RETRY_BACKOFF`, queues.ts):
 * exponential from the job's backoff delay, and never sooner than the error's `retryAfterMs`.
 * BullMQ calls it with the attempts made so far, counting the one that just failed.
 */
export function retryBackoff(attemptsMade: number, _type?: string, err?: Error, job?: MinimalJob): number {
  const backoff = job?.opts.backoff;
  const base = typeof backoff === 'number' ? backoff : (backoff?.delay ?? 1_000);
  return retryDelayMs(attemptsMade, base, err === undefined ? undefined : failureOf(err));
}

/** The typed error behind what a processor threw (an `UnrecoverableError` carries it as its cause). */
export function failureOf(err: Error): SlipwayError {
  return toSlipwayError(err.name === 'UnrecoverableError' && err.cause !== undefined ? err.cause : err);
}

/** Whether BullMQ has given up on a job that just failed: a permanent error, or its attempts are spent. */
export function failedForGood(job: Pick<Job, 'attemptsMade' | 'opts'>, err: Error): boolean {
  return err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
}
