import type { QueueName, QueuePayloads } from '../queues.js';
import type { AddOptions, Queues } from '../ports/queues.js';

/** A job as the memory queues keep it. */
export interface MemoryJob<Q extends QueueName = QueueName> {
  queue: Q;
  payload: QueuePayloads[Q];
  jobId: string;
  delayMs?: number;
}

/**
 * Queues in this process's memory: jobs are kept in the order they were added, for a test
 * to read (and run, by handing them to the handler it tests). A job id added twice is kept
 * once, as BullMQ does while the first job exists.
 */
export class MemoryQueues implements Queues {
  private readonly added: MemoryJob[] = [];

  async add<Q extends QueueName>(queue: Q, payload: QueuePayloads[Q], options: AddOptions): Promise<void> {
    if (this.job(queue, options.jobId)) return;
    this.added.push({
      queue,
      payload: structuredClone(payload),
      jobId: options.jobId,
      ...(options.delayMs !== undefined ? { delayMs: options.delayMs } : {}),
    });
  }

  /** The jobs of one queue, oldest first. */
  jobs<Q extends QueueName>(queue: Q): Array<MemoryJob<Q>> {
    return this.added.filter((job): job is MemoryJob<Q> => job.queue === queue);
  }

  job<Q extends QueueName>(queue: Q, jobId: string): MemoryJob<Q> | undefined {
    return this.jobs(queue).find((job) => job.jobId === jobId);
  }
}
