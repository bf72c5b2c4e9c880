import { describe, expect, it } from '@jest/globals';
import type { QueuedPull } from '../../../services/core/merge-queue/types.js';
import type { MergeQueue } from '../../../services/shared/ports/merge-queue.js';

/** A pull request of `acme/app` queued into `base`. */
export function queuedPull(number: number, base = 'master', over: Partial<QueuedPull> = {}): QueuedPull {
  return {
    repo: 'acme/app',
    base,
    number,
    sha: String(number).repeat(40).slice(0, 40),
    headRef: `feature-${number}`,
    fork: false,
    by: 'octocat',
    queuedAt: '2026-12-02T07:00:00.000Z',
    ...over,
  };
}

/** What every MergeQueue must do. */
export function describeMergeQueueConformance(name: string, make: () => Promise<MergeQueue>): void {
  describe(`${name}: MergeQueue`, () => {
    it('keeps one queue per base branch, oldest first, and says each place', async () => {
      const queue = await make();
      expect(await queue.enqueue(queuedPull(12))).toEqual({ index: 0, added: true, entry: queuedPull(12) });
      expect((await queue.enqueue(queuedPull(3))).index).toBe(1);
      expect((await queue.enqueue(queuedPull(40, 'production'))).index).toBe(0);
      expect((await queue.list('acme/app', 'master')).map((e) => e.number)).toEqual([12, 3]);
      expect((await queue.list('acme/app', 'production')).map((e) => e.number)).toEqual([40]);
      expect(await queue.list('acme/other', 'master')).toEqual([]);
      expect((await queue.queued('acme/app')).map((e) => e.number).sort((a, b) => a - b)).toEqual([3, 12, 40]);
      expect(await queue.queued('acme/other')).toEqual([]);
    });

    it('queues a pull request once: a second /merge keeps its first entry and place', async () => {
      const queue = await make();
      await queue.enqueue(queuedPull(1));
      await queue.enqueue(queuedPull(2));
      const again = await queue.enqueue(queuedPull(1, 'production', { by: 'hubot' }));
      expect(again).toEqual({ index: 0, added: false, entry: queuedPull(1) });
      expect(await queue.list('acme/app', 'production')).toEqual([]);
    });

    it('takes one out wherever it is, and the next becomes the head; a re-queued one goes last', async () => {
      const queue = await make();
      await queue.enqueue(queuedPull(1));
      await queue.enqueue(queuedPull(2));
      expect(await queue.remove('acme/app', 1)).toEqual(queuedPull(1));
      expect(await queue.remove('acme/app', 1)).toBeUndefined();
      expect(await queue.find('acme/app', 1)).toBeUndefined();
      expect((await queue.list('acme/app', 'master')).map((e) => e.number)).toEqual([2]);
      expect((await queue.enqueue(queuedPull(1))).index).toBe(1);
    });

    it('updates an entry in place (a rebase), never one not queued', async () => {
      const queue = await make();
      await queue.enqueue(queuedPull(1));
      await queue.enqueue(queuedPull(2));
      await queue.update({ ...queuedPull(1), sha: 'f'.repeat(40), rebases: 1 });
      await queue.update(queuedPull(9));
      expect(await queue.find('acme/app', 1)).toEqual({ ...queuedPull(1), sha: 'f'.repeat(40), rebases: 1 });
      expect((await queue.list('acme/app', 'master')).map((e) => e.number)).toEqual([1, 2]);
      expect(await queue.find('acme/app', 9)).toBeUndefined();
    });

    it('remembers promotions by repository, commit and environment', async () => {
      const queue = await make();
      const promotion = {
        repo: 'acme/app',
        sha: 'a'.repeat(40),
        environment: 'production',
        pullRequest: 5,
        approvers: ['alice'],
        at: '2026-12-02T07:00:00.000Z',
      };
      await queue.recordPromotion(promotion);
      expect(await queue.promotionOf('acme/app', 'a'.repeat(40), 'production')).toEqual(promotion);
      expect(await queue.promotionOf('acme/app', 'a'.repeat(40), 'staging')).toBeUndefined();
      expect(await queue.promotionOf('acme/app', 'b'.repeat(40), 'production')).toBeUndefined();
    });
  });
}
