import { Worker, type Job, type WorkerOptions } from 'bullmq';
import type { Logger } from './logger.js';
import { workerConnection } from './redis.js';
import type { Running } from './service.js';

/**
 * A BullMQ worker on its own blocking connection, logging each failed attempt as `failure`
 * (BullMQ retries it as the job's options say); `close` stops it and its connection.
 */
export function startWorker<T>(
  queue: string,
  redisUrl: string,
  process: (job: Job<T>) => Promise<unknown>,
  options: { logger: Logger; failure: string } & Omit<WorkerOptions, 'connection'>,
): Running & { worker: Worker<T> } {
  const { logger, failure, ...workerOptions } = options;
  const connection = workerConnection(redisUrl);
  const worker = new Worker<T>(queue, process, { ...workerOptions, connection });
  worker.on('failed', (job, err) => logger.warn(failure, { job: job?.id, attempt: job?.attemptsMade, err }));
  return {
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
