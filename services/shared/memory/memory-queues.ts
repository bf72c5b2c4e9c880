import { QUEUES, type QueueName, type QueuePayloads } from '../queues.js';
import type { QueueCensus, QueueCount } from '../ports/queue-census.js';
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
export class MemoryQueues implements Queues, QueueCensus {
  private readonly added: MemoryJob[] = [];
  /** When each job was added (ms), for the census. */
  private readonly addedAt = new Map<MemoryJob, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  async add<Q extends QueueName>(queue: Q, payload: QueuePayloads[Q], options: AddOptions): Promise<void> {
    if (this.job(queue, options.jobId)) return;
    const job: MemoryJob = {
      queue,
      payload: structuredClone(payload),
      jobId: options.jobId,
      ...(options.delayMs !== undefined ? { delayMs: options.delayMs } : {}),
    };
    this.added.push(job);
    this.addedAt.set(job, this.clock());
  }

  /** Nothing runs memory jobs, so every job waits (or is delayed, when added with a delay). */
  async count(now: number): Promise<QueueCount[]> {
    return (Object.keys(QUEUES) as QueueName[]).map((queue) => {
      const jobs = this.jobs(queue);
      const waiting = jobs.filter((job) => !job.delayMs);
      const oldest = waiting.length ? Math.min(...waiting.map((job) => this.addedAt.get(job) ?? now)) : now;
      return {
        queue,
        waiting: waiting.length,
        active: 0,
        delayed: jobs.length - waiting.length,
        failed: 0,
        oldestWaitingMs: Math.max(0, now - oldest),
      };
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
