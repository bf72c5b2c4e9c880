import { describe, expect, it } from '@jest/globals';
import type { StatusLedger } from '../../../services/shared/ports/status-ledger.js';
import { repoRef, uniqueId } from './fixtures.js';

/** What every StatusLedger must do. */
export function describeStatusLedgerConformance(name: string, make: () => Promise<StatusLedger>): void {
  describe(`${name}: StatusLedger`, () => {
    const sha = 'c'.repeat(40);
    const posted = (buildId: string, seq: number, state: string) => ({
      buildId,
      seq,
      state,
      description: `${state} ${seq}`,
      target_url: `http://slipway/builds/${buildId}`,
    });

    it('remembers the last status posted per repository, commit and context', async () => {
      const ledger = await make();
      const repo = repoRef();
      const build = uniqueId('b');
      expect(await ledger.last(repo, sha, 'slipway/test')).toBeUndefined();
      expect(await ledger.record(repo, sha, 'slipway/test', posted(build, 0, 'pending'))).toBe(true);
      expect(await ledger.record(repo, sha, 'slipway/test', posted(build, 2, 'pending'))).toBe(true);
      expect(await ledger.last(repo, sha, 'slipway/test')).toEqual(posted(build, 2, 'pending'));
      expect(await ledger.last(repo, sha, 'slipway/e2e')).toBeUndefined();
      expect(await ledger.last(repo, 'd'.repeat(40), 'slipway/test')).toBeUndefined();
      expect(await ledger.last(repoRef(), sha, 'slipway/test')).toBeUndefined();
    });

    it('keeps the newest of a build: a lower rank recorded late does not replace a higher one', async () => {
      const ledger = await make();
      const repo = repoRef();
      const build = uniqueId('b');
      await ledger.record(repo, sha, 'slipway/test', posted(build, 3, 'success'));
      expect(await ledger.record(repo, sha, 'slipway/test', posted(build, 2, 'pending'))).toBe(false);
      expect(await ledger.last(repo, sha, 'slipway/test')).toEqual(posted(build, 3, 'success'));
      // The same status again is fine, and another build's status replaces whatever was there.
      expect(await ledger.record(repo, sha, 'slipway/test', posted(build, 3, 'success'))).toBe(true);
      const other = uniqueId('b');
      expect(await ledger.record(repo, sha, 'slipway/test', posted(other, 0, 'pending'))).toBe(true);
      expect(await ledger.last(repo, sha, 'slipway/test')).toEqual(posted(other, 0, 'pending'));
    });

    it('keeps the newest when reporters race on one context', async () => {
      const ledger = await make();
      const repo = repoRef();
      const build = uniqueId('b');
      await Promise.all([0, 3, 1, 2].map((seq) => ledger.record(repo, sha, 'slipway/race', posted(build, seq, 's'))));
      expect((await ledger.last(repo, sha, 'slipway/race'))?.seq).toBe(3);
    });
  });
}
