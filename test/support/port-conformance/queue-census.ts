import { describe, expect, it } from '@jest/globals';
import { QUEUES } from '../../../services/shared/queues.js';
import type { QueueCensus } from '../../../services/shared/ports/queue-census.js';
import type { Queues } from '../../../services/shared/ports/queues.js';
import { uniqueId } from './fixtures.js';

/** What every QueueCensus must do, given the producer of the same queues (and empty queues at first). */
export function describeQueueCensusConformance(
  name: string,
  make: () => Promise<{ queues: Queues; census: QueueCensus }>,
): void {
  describe(`${name}: QueueCensus`, () => {
    it('answers for every queue, in order, with nothing waiting on empty queues', async () => {
      const { census } = await make();
      const counts = await census.count(Date.now());
      expect(counts.map((c) => c.queue)).toEqual(Object.keys(QUEUES));
      for (const count of counts)
        expect(count).toMatchObject({ waiting: 0, active: 0, delayed: 0, oldestWaitingMs: 0 });
    });

    it('counts waiting and delayed jobs per queue, and the age of the oldest waiting one', async () => {
      const { queues, census } = await make();
      for (const id of [uniqueId('r-'), uniqueId('r-')]) {
        const request = {
          id,
          event: 'push',
          repo: { owner: 'acme', name: 'api' },
          sha: 'b'.repeat(40),
          ref: 'refs/heads/main',
          cloneUrl: 'https://github.com/acme/api.git',
          sender: 'octocat',
        };
        await queues.add('requests', { request, receivedAt: new Date().toISOString() }, { jobId: id });
      }
      await queues.add('approvals', { kind: 'expire', buildId: 'b1' }, { jobId: uniqueId('e-'), delayMs: 3_600_000 });
      // Asked as if an hour later: the oldest request has waited at least that long.
      const counts = await census.count(Date.now() + 3_600_000);
      const of = (queue: string) => counts.find((c) => c.queue === queue)!;
      expect(of('requests')).toMatchObject({ waiting: 2, delayed: 0 });
      expect(of('requests').oldestWaitingMs).toBeGreaterThanOrEqual(3_600_000);
      expect(of('approvals')).toMatchObject({ waiting: 0, delayed: 1, oldestWaitingMs: 0 });
      expect(of('builds')).toMatchObject({ waiting: 0, delayed: 0 });
    });
  });
}
