import { describe, expect, it } from '@jest/globals';
import type { CheckLedger, CheckRunKey } from '../../../services/shared/ports/check-ledger.js';
import { uniqueId } from './fixtures.js';

/** What every CheckLedger must do. */
export function describeCheckLedgerConformance(name: string, make: () => Promise<CheckLedger>): void {
  const run = (): CheckRunKey => ({ buildId: uniqueId('b'), sha: 'a'.repeat(40), name: 'slipway/test' });

  describe(`${name}: CheckLedger`, () => {
    it('knows nothing of a run not yet posted, and keeps what was posted per build, commit and name', async () => {
      const ledger = await make();
      const r = run();
      expect(await ledger.get(r)).toEqual({ annotationsSent: 0 });
      await ledger.save(r, { id: 7, fingerprint: 'f1', annotationsSent: 50 });
      expect(await ledger.get(r)).toEqual({ id: 7, fingerprint: 'f1', annotationsSent: 50 });
      expect(await ledger.get({ ...r, name: 'slipway/e2e' })).toEqual({ annotationsSent: 0 });
      expect(await ledger.get({ ...r, sha: 'b'.repeat(40) })).toEqual({ annotationsSent: 0 });
    });

    it('never replaces the id of a run once recorded, so it is created once', async () => {
      const ledger = await make();
      const r = run();
      await ledger.save(r, { id: 7, fingerprint: 'f1', annotationsSent: 0 });
      await ledger.save(r, { id: 8, fingerprint: 'f2', annotationsSent: 3 });
      expect(await ledger.get(r)).toEqual({ id: 7, fingerprint: 'f2', annotationsSent: 3 });
    });

    it('lets one owner at a time hold a run, renews its own claim, and frees it on release', async () => {
      const ledger = await make();
      const r = run();
      const won = await Promise.all(['r1', 'r2', 'r3'].map((owner) => ledger.claim(r, owner, 30_000)));
      expect(won.filter(Boolean)).toHaveLength(1);
      const holder = ['r1', 'r2', 'r3'][won.indexOf(true)]!;
      const other = holder === 'r1' ? 'r2' : 'r1';
      expect(await ledger.claim(r, holder, 30_000)).toBe(true);
      await ledger.release(r, other);
      expect(await ledger.claim(r, other, 30_000)).toBe(false);
      await ledger.release(r, holder);
      expect(await ledger.claim(r, other, 30_000)).toBe(true);
    });

    it('a claim whose holder died lapses', async () => {
      const ledger = await make();
      const r = run();
      expect(await ledger.claim(r, 'dead', 50)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(await ledger.claim(r, 'alive', 30_000)).toBe(true);
    });
  });
}
