import { describe, expect, it } from '@jest/globals';
import type { DeliveryLedger } from '../../../services/shared/ports/delivery-ledger.js';
import { eventually } from '../eventually.js';
import { uniqueId } from './fixtures.js';

/** What every DeliveryLedger must do. */
export function describeDeliveryLedgerConformance(name: string, make: () => Promise<DeliveryLedger>): void {
  describe(`${name}: DeliveryLedger`, () => {
    it('keeps the first delivery of a body, for redeliveries and replays alike', async () => {
      const ledger = await make();
      const hash = uniqueId('h');
      expect(await ledger.claim(hash, 'd-1', 60_000)).toBe('d-1');
      expect(await ledger.claim(hash, 'd-1', 60_000)).toBe('d-1');
      expect(await ledger.claim(hash, 'd-replayed', 60_000)).toBe('d-1');
      expect(await ledger.claim(uniqueId('h'), 'd-2', 60_000)).toBe('d-2');
    });

    it('names one winner among concurrent claims, and forgets a body after its window', async () => {
      const ledger = await make();
      const hash = uniqueId('h');
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => ledger.claim(hash, `d-${i}`, 150)));
      expect(new Set(answers).size).toBe(1);
      await eventually(
        'the window to pass',
        async () => ((await ledger.claim(hash, 'd-late', 60_000)) === 'd-late' ? true : undefined),
        5_000,
      );
    });
  });
}
