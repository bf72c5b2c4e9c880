import { Worker, type Job, type WorkerOptions } from 'bullmq';
import type { SlipwayError } from '../core/errors/slipway-error.js';
import { failedForGood, failureOf, retryBackoff, typedProcessor } from './job-errors.js';
import type { Logger } from './logger.js';
import { workerConnection } from './redis.js';
import type { Running } from './service.js';

/**
 * A BullMQ worker on its own blocking connection. What the processor throws decides the job's
 * fate (job-errors.ts): a permanent error fails it at once, a transient one is retried with
 * backoff, never sooner than the error's delay. Each failed attempt is logged as `failure`,
 * with "will retry" or, once BullMQ gives up, "giving up" and the reason; `onGiveUp` then runs
 * (its own failure is logged). `close` stops the worker and its connection.
 */
export function startWorker<T>(
  queue: string,
  redisUrl: string,
  process: (job: Job<T>) => Promise<unknown>,
  options: {
    logger: Logger;
    failure: string;
    onGiveUp?: (job: Job<T>, err: SlipwayError) => Promise<void>;
  } & Omit<WorkerOptions, 'connection'>,
): Running & { worker: Worker<T> } {
  const { logger, failure, onGiveUp, ...workerOptions } = options;
  const connection = workerConnection(redisUrl);
  const worker = new Worker<T>(queue, typedProcessor(process), {
    ...workerOptions,
    settings: { backoffStrategy: retryBackoff, ...workerOptions.settings },
    connection,
  });
  worker.on('failed', (job, err) => {
    const typed = failureOf(err);
    const fields = { job: job?.id, attempt: job?.attemptsMade, code: typed.code, err: typed };
    if (!job || !failedForGood(job, err)) return logger.warn(`${failure}; will retry`, { ...fields, inMs: job?.delay });
    logger.error(`${failure}; giving up`, { ...fields, retryable: typed.retryable, reason: typed.message });
    onGiveUp?.(job, typed).catch((e: unknown) =>
      logger.error(`${failure}; could not report it`, { job: job.id, err: e }),
    );
  });
  return {
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
