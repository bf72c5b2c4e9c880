import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { TransientError } from '../../core/errors/slipway-error.js';
import type { Logger } from '../logger.js';
import type { QueueCensus, QueueCount } from '../ports/queue-census.js';
import type { AddOptions, Queues } from '../ports/queues.js';
import { JOB_OPTIONS, QUEUES, type QueueName, type QueuePayloads } from '../queues.js';

/** How many replicas must have a job before `add` resolves, and how long to wait for them. */
export interface ReplicaWait {
  replicas: number;
  timeoutMs: number;
  /** Throw when no replica confirmed in time (what answers GitHub: a 503, then a redelivery), else log. */
  strict: boolean;
}

/**
 * The producer side of every queue, on BullMQ: a Queue per name, opened when first used.
 * With `replicaWait` (Redis behind Sentinels), `add` resolves once the job reached that many
 * replicas (`WAIT`), so a failover right after a 202 cannot lose it. When no replica answers
 * in time, a `strict` producer (the receiver) throws a transient `redis-not-replicated`, so the
 * webhook is answered 503 and redelivered; the others keep the job on the primary alone and log
 * it (their jobs are re-made from the jobs before them if a failover loses it).
 */
export class RedisQueues implements Queues, QueueCensus {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    private readonly connection: Redis,
    private readonly logger: Logger,
    private readonly replicaWait?: ReplicaWait,
  ) {}

  async add<Q extends QueueName>(queue: Q, payload: QueuePayloads[Q], options: AddOptions): Promise<void> {
    await this.queue(queue).add(jobName(queue, payload), payload, {
      ...JOB_OPTIONS[queue],
      jobId: options.jobId,
      ...(options.delayMs ? { delay: options.delayMs } : {}),
    });
    if (!this.replicaWait) return;
    const { replicas, timeoutMs, strict } = this.replicaWait;
    const reached = await this.connection.wait(replicas, timeoutMs);
    if (reached < replicas && strict) {
      throw new TransientError(
        'redis-not-replicated',
        `no Redis replica confirmed job ${options.jobId} in ${timeoutMs} ms`,
      );
    }
    if (reached < replicas) {
      this.logger.warn('job stored on the primary only: no replica confirmed it in time', {
        queue: QUEUES[queue],
        job: options.jobId,
        replicas: reached,
      });
    }
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
