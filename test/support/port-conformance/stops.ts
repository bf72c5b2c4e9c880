import { describe, expect, it } from '@jest/globals';
import type { Stops } from '../../../services/shared/ports/stops.js';
import { eventually } from '../eventually.js';
import { repoRef, uniqueId } from './fixtures.js';

/**
 * What every Stops must do. `make` gives the side that stops builds (receiver, planner) and
 * the side that listens (an executor): two clients of a shared store, or one memory store.
 */
export function describeStopsConformance(name: string, make: () => Promise<{ stopper: Stops; executor: Stops }>): void {
  describe(`${name}: Stops`, () => {
    async function listening(stops: Stops) {
      const heard: string[] = [];
      const stop = await stops.onStop((buildId) => heard.push(buildId));
      return { heard, stop };
    }

    it('records a cancellation before announcing it, so a late executor still sees it', async () => {
      const { stopper, executor } = await make();
      const listener = await listening(executor);
      const build = uniqueId('b');
      expect(await executor.reasons(build)).toEqual({});
      await stopper.cancel(build, 'cancelled through the API');
      expect(await executor.reasons(build)).toEqual({ cancelled: 'cancelled through the API' });
      await eventually('the announcement', () => (listener.heard.includes(build) ? true : undefined), 10_000);
      await listener.stop();
    });

    it('supersedes the older build of a branch and announces it, and no other', async () => {
      const { stopper, executor } = await make();
      const listener = await listening(executor);
      const repo = repoRef();
      const [older, newer, elsewhere] = [uniqueId('old'), uniqueId('new'), uniqueId('pr')];
      expect(await stopper.supersedeOlder(repo, 'refs/heads/master', older, '1111111aaaa')).toBeUndefined();
      expect(await stopper.supersedeOlder(repo, 'refs/pull/7/head', elsewhere, '3333333cccc')).toBeUndefined();
      expect(await stopper.supersedeOlder(repo, 'refs/heads/master', newer, 'abc1234ffff')).toBe(older);
      expect(await executor.reasons(older)).toEqual({ superseded: 'superseded by abc1234' });
      await eventually('the announcement', () => (listener.heard.includes(older) ? true : undefined), 10_000);
      // The same build planned again supersedes nothing, and the newest is left alone.
      expect(await stopper.supersedeOlder(repo, 'refs/heads/master', newer, 'abc1234ffff')).toBeUndefined();
      expect(await executor.reasons(newer)).toEqual({});
      expect(await executor.reasons(elsewhere)).toEqual({});
      expect(listener.heard).not.toContain(newer);
      await listener.stop();
    });

    it('cancels the newest build of a ref, and nothing when the ref has none', async () => {
      const { stopper, executor } = await make();
      const repo = repoRef();
      expect(await stopper.cancelLatest(repo, 'refs/pull/9/head', 'the pull request was closed')).toBeUndefined();
      const [first, second] = [uniqueId('b'), uniqueId('b')];
      await stopper.supersedeOlder(repo, 'refs/pull/9/head', first, 'aaaaaaa1111');
      await stopper.supersedeOlder(repo, 'refs/pull/9/head', second, 'bbbbbbb2222');
      expect(await stopper.cancelLatest(repo, 'refs/pull/9/head', 'the pull request was closed')).toBe(second);
      expect(await executor.reasons(second)).toEqual({ cancelled: 'the pull request was closed' });
      expect(await executor.reasons(first)).toEqual({ superseded: 'superseded by bbbbbbb' });
    });

    it('keeps both reasons of a build superseded then cancelled; a second cancel changes nothing', async () => {
      const { stopper, executor } = await make();
      const repo = repoRef();
      const [older, newer] = [uniqueId('b'), uniqueId('b')];
      await stopper.supersedeOlder(repo, 'refs/heads/dev', older, 'aaaaaaa1111');
      await stopper.supersedeOlder(repo, 'refs/heads/dev', newer, 'bbbbbbb2222');
      await stopper.cancel(older, 'cancelled through the API');
      await stopper.cancel(older, 'cancelled through the API');
      expect(await executor.reasons(older)).toEqual({
        cancelled: 'cancelled through the API',
        superseded: 'superseded by bbbbbbb',
      });
    });

    it('stops announcing to a listener that stopped listening', async () => {
      const { stopper, executor } = await make();
      const gone = await listening(executor);
      const staying = await listening(executor);
      await gone.stop();
      const build = uniqueId('b');
      await stopper.cancel(build, 'why not');
      await eventually('the staying listener to hear it', () => (staying.heard.includes(build) ? true : undefined));
      expect(gone.heard).not.toContain(build);
      await staying.stop();
    });
  });
}
