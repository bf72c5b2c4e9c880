import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { QueueCensus, QueueCount } from '../ports/queue-census.js';
import type { AddOptions, Queues } from '../ports/queues.js';
import { JOB_OPTIONS, QUEUES, type QueueName, type QueuePayloads } from '../queues.js';

/** The producer side of every queue, on BullMQ: a Queue per name, opened when first used. */
export class RedisQueues implements Queues, QueueCensus {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    private readonly connection: Redis,
    private readonly logger: Logger,
  ) {}

  async add<Q extends QueueName>(queue: Q, payload: QueuePayloads[Q], options: AddOptions): Promise<void> {
    await this.queue(queue).add(jobName(queue, payload), payload, {
      ...JOB_OPTIONS[queue],
      jobId: options.jobId,
      ...(options.delayMs ? { delay: options.delayMs } : {}),
    });
  }

  /** BullMQ's counts per state; the oldest waiting job is the first of the wait list, oldest first. */
  async count(now: number): Promise<QueueCount[]> {
    return Promise.all(
      (Object.keys(QUEUES) as QueueName[]).map(async (name) => {
        const queue = this.queue(name);
        const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
        const firsts = await queue.getJobs(['waiting', 'prioritized'], 0, 0, true);
        const oldest = Math.min(...firsts.map((job) => job.timestamp));
        return {
          queue: name,
          waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
          active: counts.active ?? 0,
          delayed: counts.delayed ?? 0,
          failed: counts.failed ?? 0,
          oldestWaitingMs: firsts.length ? Math.max(0, now - oldest) : 0,
        };
      }),
    );
  }

  async close(): Promise<void> {
    for (const queue of this.queues.values()) await queue.close();
    this.queues.clear();
  }

  private queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(QUEUES[name], { connection: this.connection });
      // An 'error' event nobody listens to would end the process.
      queue.on('error', (err) => this.logger.error('queue error', { queue: QUEUES[name], err }));
      this.queues.set(name, queue);
    }
    return queue;
  }
}

/** Job names are for people reading the queue: `request`, `build`, `status`, `deployment`, `decision`, `expire`. */
function jobName<Q extends QueueName>(queue: Q, payload: QueuePayloads[Q]): string {
  if (queue === 'approvals') return (payload as QueuePayloads['approvals']).kind;
  return queue.replace(/s$/, '');
}
