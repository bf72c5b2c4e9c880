import { describe, expect, it } from '@jest/globals';
import type { HookDelivery, HookSubscription, OutgoingHooks } from '../../../services/shared/ports/outgoing-hooks.js';
import { buildEvent } from './build-events.js';
import { uniqueId } from './fixtures.js';

function subscription(id: string, at: string): HookSubscription {
  return { id, url: 'http://chat.test/hook', secret: 's'.repeat(20), format: 'json', createdAt: at, createdBy: 'root' };
}

function delivery(subscriptionId: string, n: number): HookDelivery {
  return {
    id: `d${n}`,
    subscriptionId,
    event: { ...buildEvent('b1'), id: String(n) },
    at: '2024-05-01T10:00:00.000Z',
    attempt: 1,
    status: 500,
    ok: false,
    durationMs: 3,
  };
}

/** What every OutgoingHooks must do; `make` gives an empty one. */
export function describeOutgoingHooksConformance(name: string, make: () => Promise<OutgoingHooks>): void {
  describe(`${name}: OutgoingHooks`, () => {
    it('keeps subscriptions oldest first until removed, and removes an unknown one as false', async () => {
      const hooks = await make();
      const [a, b] = [uniqueId('h'), uniqueId('h')];
      await hooks.add(subscription(b, '2024-05-01T11:00:00.000Z'));
      await hooks.add(subscription(a, '2024-05-01T10:00:00.000Z'));
      expect((await hooks.list()).map((s) => s.id)).toEqual([a, b]);
      expect(await hooks.get(a)).toEqual(subscription(a, '2024-05-01T10:00:00.000Z'));
      expect(await hooks.remove(a)).toBe(true);
      expect(await hooks.remove(a)).toBe(false);
      expect(await hooks.get(a)).toBeUndefined();
      expect((await hooks.list()).map((s) => s.id)).toEqual([b]);
    });

    it('keeps the newest hundred deliveries of a subscription, newest first', async () => {
      const hooks = await make();
      const id = uniqueId('h');
      await hooks.add(subscription(id, '2024-05-01T10:00:00.000Z'));
      for (let n = 1; n <= 103; n++) await hooks.record(delivery(id, n));
      const kept = await hooks.deliveries(id, 1000);
      expect(kept).toHaveLength(100);
      expect(kept[0]).toEqual(delivery(id, 103));
      expect(kept.at(-1)!.id).toBe('d4');
      expect((await hooks.deliveries(id, 2)).map((d) => d.id)).toEqual(['d103', 'd102']);
      expect(await hooks.deliveries(uniqueId('none'), 10)).toEqual([]);
    });

    it("remembers the dispatcher's cursor", async () => {
      const hooks = await make();
      expect(await hooks.cursor()).toBeUndefined();
      await hooks.setCursor('1-0');
      await hooks.setCursor('2-5');
      expect(await hooks.cursor()).toBe('2-5');
    });
  });
}
