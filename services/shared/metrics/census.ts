import type { Logger } from '../logger.js';
import type { Approvals } from '../ports/approvals.js';
import type { QueueCensus } from '../ports/queue-census.js';
import type { SlipwayMetrics } from './metrics.js';

/** Where the scrape-time gauges come from; a process sets what it can reach. */
export interface CensusSources {
  census?: QueueCensus;
  approvals?: Pick<Approvals, 'waiting'>;
  logger: Logger;
  clock?: () => number;
}

/**
 * The gauges that are questions (queue depths and ages, approvals waiting), asked once per
 * scrape: `beforeScrape` of the health routes. When Redis does not answer, the gauges keep
 * their last values and the trouble is logged; `/readyz` is what says Redis is down.
 */
export function censusRefresher(metrics: SlipwayMetrics, sources: CensusSources): () => Promise<void> {
  const clock = sources.clock ?? Date.now;
  return async () => {
    try {
      if (sources.census) {
        for (const count of await sources.census.count(clock())) {
          for (const state of ['waiting', 'active', 'delayed', 'failed'] as const)
            metrics.queueJobs.set({ queue: count.queue, state }, count[state]);
          metrics.queueOldestWaiting.set({ queue: count.queue }, count.oldestWaitingMs / 1000);
        }
      }
      if (sources.approvals) metrics.approvalsWaiting.set(await sources.approvals.waiting());
    } catch (err) {
      sources.logger.warn('metrics: could not count the queues', { err });
    }
  };
}
