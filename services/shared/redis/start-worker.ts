import { UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from '../logger.js';
import { QUEUES, type QueueName, type QueuePayloads } from '../queues.js';
import type { Running } from '../service.js';
import { workerConnection } from './connections.js';

/** Thrown by a handler, ends its job at once: no retry can help (BullMQ's own class). */
export { UnrecoverableError };

/** What a handler is told of the job it runs, besides its payload. */
export interface JobInfo {
  id: string;
  /** 1 for the first run. */
  attempt: number;
}

export interface WorkerSettings<Q extends QueueName> {
  logger: Logger;
  /** Logged with each failed attempt (BullMQ retries it as the queue's options say). */
  failure: string;
  concurrency: number;
  /** How long a job's lock lasts without renewal: a dead worker's job runs again after it. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  /** Called once a job failed for the last time (its attempts are spent, or it failed for good). */
  onGiveUp?: (payload: QueuePayloads[Q], err: Error) => Promise<void>;
}

/**
 * A BullMQ worker on `queue`, on its own blocking connection, running a plain handler per
 * job; `close` stops it and its connection. Failed attempts are logged as `failure`, and so
 * are the worker's own errors (an 'error' event nobody listens to would end the process).
 */
export function startWorker<Q extends QueueName>(
  queue: Q,
  redisUrl: string,
  handler: (payload: QueuePayloads[Q], job: JobInfo) => Promise<unknown>,
  settings: WorkerSettings<Q>,
): Running {
  const { logger, failure, onGiveUp } = settings;
  const connection = workerConnection(redisUrl, `worker-${queue}`);
  const worker = new Worker<QueuePayloads[Q]>(
    QUEUES[queue],
    (job) => handler(job.data, { id: job.id ?? '', attempt: job.attemptsMade + 1 }),
    {
      connection,
      concurrency: settings.concurrency,
      ...(settings.lockDurationMs !== undefined ? { lockDuration: settings.lockDurationMs } : {}),
      ...(settings.stalledIntervalMs !== undefined ? { stalledInterval: settings.stalledIntervalMs } : {}),
      ...(settings.maxStalledCount !== undefined ? { maxStalledCount: settings.maxStalledCount } : {}),
    },
  );
  worker.on('failed', (job, err) => {
    logger.warn(failure, { job: job?.id, attempt: job?.attemptsMade, err });
    if (!job || !onGiveUp) return;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (final)
      void onGiveUp(job.data, err).catch((e: unknown) =>
        logger.error('giving up on a job failed', { job: job.id, err: e }),
      );
  });
  worker.on('error', (err) => logger.error('queue worker error', { queue: QUEUES[queue], err }));
  return {
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
