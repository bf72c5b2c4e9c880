import { describe, expect, it } from '@jest/globals';
import type { Redeliveries, RedeliveryRecord } from '../../../services/shared/ports/redeliveries.js';
import { eventually } from '../eventually.js';
import { uniqueId } from './fixtures.js';

const record = (guid: string, by: string, hook = 'app'): RedeliveryRecord => ({
  hook,
  guid,
  round: 0,
  attemptId: 42,
  event: 'push',
  askedAt: '2026-12-02T06:00:00.000Z',
  by,
});

/**
 * What every Redeliveries must do. `make` gives several handles on one store (several
 * processes on one Redis; the same object in memory).
 */
export function describeRedeliveriesConformance(name: string, make: () => Promise<Redeliveries[]>): void {
  describe(`${name}: Redeliveries`, () => {
    it('lets one claim of a delivery win, among replicas racing and after a restart alike', async () => {
      const handles = await make();
      const guid = uniqueId('g');
      const wins = await Promise.all(
        Array.from({ length: 12 }, (_, i) => handles[i % handles.length]!.claim(record(guid, `replica-${i}`), 60_000)),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
      const winner = `replica-${wins.indexOf(true)}`;
      expect(await handles[0]!.claim(record(guid, 'replica-late'), 60_000)).toBe(false);
      expect(await handles.at(-1)!.get('app', guid, 0)).toEqual(record(guid, winner));
      expect(await handles[0]!.get('app', uniqueId('g'), 0)).toBeUndefined();
    });

    it('keeps the same delivery id of two hooks, and its rounds, apart', async () => {
      const [store] = await make();
      const guid = uniqueId('g');
      expect(await store!.claim(record(guid, 'a', 'acme/api#1'), 60_000)).toBe(true);
      expect(await store!.claim(record(guid, 'a', 'acme/web#2'), 60_000)).toBe(true);
      expect(await store!.claim({ ...record(guid, 'a', 'acme/web#2'), round: 1 }, 60_000)).toBe(true);
      expect(await store!.claim({ ...record(guid, 'b', 'acme/web#2'), round: 1 }, 60_000)).toBe(false);
      expect(await store!.get('acme/web#2', guid, 1)).toMatchObject({ round: 1, by: 'a' });
      expect(await store!.get('app', guid, 0)).toBeUndefined();
    });

    it('lets a released claim be made again, and forgets a claim once its time is up', async () => {
      const handles = await make();
      const guid = uniqueId('g');
      expect(await handles[0]!.claim(record(guid, 'a'), 60_000)).toBe(true);
      await handles.at(-1)!.release('app', guid, 0);
      expect(await handles[0]!.get('app', guid, 0)).toBeUndefined();
      expect(await handles[0]!.claim(record(guid, 'b'), 150)).toBe(true);
      await eventually(
        'the claim to expire',
        async () => ((await handles[0]!.get('app', guid, 0)) === undefined ? true : undefined),
        5_000,
      );
      expect(await handles[0]!.claim(record(guid, 'c'), 60_000)).toBe(true);
    });
  });
}
