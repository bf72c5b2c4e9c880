import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { SlipwayError } from '../../core/errors/slipway-error.js';
import type { Logger } from '../logger.js';
import { QUEUES, type QueueName, type QueuePayloads } from '../queues.js';
import type { Running } from '../service.js';
import { workerConnection } from './connections.js';
import { failedForGood, failureOf, retryBackoff, typedProcessor } from './job-errors.js';
import { metrics } from '../metrics/metrics.js';

/** What a handler is told of the job it runs, besides its payload. */
export interface JobInfo {
  id: string;
  /** 1 for the first run. */
  attempt: number;
}

export interface WorkerSettings<Q extends QueueName> {
  logger: Logger;
  /** Logged with each failed attempt, with "will retry" or "giving up" and the reason. */
  failure: string;
  concurrency: number;
  /** How long a job's lock lasts without renewal: a dead worker's job runs again after it. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  /** Runs once BullMQ gave up on a job (a permanent error, or its attempts are spent); its own failure is logged. */
  onGiveUp?: (payload: QueuePayloads[Q], err: SlipwayError, job: JobInfo) => Promise<void>;
}

/**
 * A BullMQ worker on `queue`, on its own blocking connection, running a plain handler per
 * job; `close` stops it and its connection. What the handler throws decides the job's fate
 * (job-errors.ts): a permanent error fails it at once, a transient one is retried with
 * backoff, never sooner than the error's delay. Failed attempts are logged, and so are the
 * worker's own errors (an 'error' event nobody listens to would end the process).
 */
export function startWorker<Q extends QueueName>(
  queue: Q,
  redisUrl: string,
  handler: (payload: QueuePayloads[Q], job: JobInfo) => Promise<unknown>,
  settings: WorkerSettings<Q>,
): Running {
  const { logger, failure, onGiveUp } = settings;
  const connection = workerConnection(redisUrl, `worker-${queue}`);
  // BullMQ opens its blocking client as a duplicate of ours: kept, so a stuck close can end it.
  const duplicates: Redis[] = [];
  const duplicate = connection.duplicate.bind(connection);
  connection.duplicate = (...args: Parameters<Redis['duplicate']>) => {
    const made = duplicate(...args);
    duplicates.push(made);
    return made;
  };
  const info = (job: { id?: string | undefined; attemptsMade: number }): JobInfo => ({
    id: job.id ?? '',
    attempt: job.attemptsMade + 1,
  });
  let running = 0;
  const worker = new Worker<QueuePayloads[Q]>(
    QUEUES[queue],
    typedProcessor(async (job) => {
      running++;
      try {
        return await handler(job.data, info(job));
      } finally {
        running--;
      }
    }),
    {
      connection,
      concurrency: settings.concurrency,
      settings: { backoffStrategy: retryBackoff },
      ...(settings.lockDurationMs !== undefined ? { lockDuration: settings.lockDurationMs } : {}),
      ...(settings.stalledIntervalMs !== undefined ? { stalledInterval: settings.stalledIntervalMs } : {}),
      ...(settings.maxStalledCount !== undefined ? { maxStalledCount: settings.maxStalledCount } : {}),
    },
  );
  worker.on('failed', (job, err) => {
    const typed = failureOf(err);
    const fields = { job: job?.id, attempt: job?.attemptsMade, code: typed.code, err: typed };
    if (!job || !failedForGood(job, err)) {
      metrics().retries.inc({ queue, cause: typed.code });
      return logger.warn(`${failure}; will retry`, { ...fields, inMs: job?.delay });
    }
    logger.error(`${failure}; giving up`, { ...fields, retryable: typed.retryable, reason: typed.message });
    onGiveUp?.(job.data, typed, { id: job.id ?? '', attempt: job.attemptsMade }).catch((e: unknown) =>
      logger.error(`${failure}; could not report it`, { job: job.id, err: e }),
    );
  });
  // A job whose worker died or blocked past its lock runs again: a retry whose cause is the stall.
  worker.on('stalled', () => metrics().retries.inc({ queue, cause: 'stalled' }));
  worker.on('error', (err) => logger.error('queue worker error', { queue: QUEUES[queue], err }));
  return {
    async close() {
      // BullMQ's close waits for the jobs under way, then for its blocking client, which can
      // hang for good when that client is stuck reconnecting after Redis came back
      // (taskforcesh/bullmq#4656): once none of our jobs runs, that last wait gets a deadline.
      const closed = worker.close();
      const stuck = await Promise.race([closed.then(() => false), idleThen(() => running, CLOSE_GRACE_MS)]);
      if (stuck) {
        logger.warn('queue worker did not close in time after its jobs ended; disconnecting', {
          queue: QUEUES[queue],
        });
        closed.catch(() => undefined);
        // Its own disconnect waits on the same stuck client; ending the sockets does not.
        for (const client of duplicates) client.disconnect();
      }
      connection.disconnect();
    },
  };
}

/** How long a closing worker with no job running may wait on its connections. */
const CLOSE_GRACE_MS = 5_000;

/** Resolves true `graceMs` after `running()` was first seen at 0 (polled every 100 ms). */
async function idleThen(running: () => number, graceMs: number): Promise<true> {
  while (running() > 0) await new Promise((resolve) => setTimeout(resolve, 100).unref());
  await new Promise((resolve) => setTimeout(resolve, graceMs).unref());
  return true;
}
