import { describe, expect, it } from '@jest/globals';
import type { BuildStore } from '../../../services/shared/ports/build-store.js';
import { buildRecord, uniqueId } from './fixtures.js';

/** What every BuildStore must do; `make` gives a store (fresh or shared, ids never repeat). */
export function describeBuildStoreConformance(name: string, make: () => Promise<BuildStore>): void {
  describe(`${name}: BuildStore`, () => {
    it('creates a record once: a second create of the id is refused and changes nothing', async () => {
      const store = await make();
      const id = uniqueId('b');
      expect(await store.create(buildRecord(id, '2024-05-01T10:00:00.000Z'))).toBe(true);
      expect(await store.create(buildRecord(id, '2024-05-01T11:00:00.000Z', { state: 'failure' }))).toBe(false);
      expect(await store.get(id)).toEqual(buildRecord(id, '2024-05-01T10:00:00.000Z'));
    });

    it('lets exactly one of concurrent creators of one id win', async () => {
      const store = await make();
      const id = uniqueId('b');
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map((i) => store.create(buildRecord(id, `2024-05-01T10:00:0${i}.000Z`))),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('replaces a record on put, and knows nothing of an unknown id', async () => {
      const store = await make();
      const id = uniqueId('b');
      await store.create(buildRecord(id, '2024-05-01T10:00:00.000Z'));
      await store.put(buildRecord(id, '2024-05-01T10:00:00.000Z', { state: 'running' }));
      expect((await store.get(id))?.state).toBe('running');
      expect(await store.get(uniqueId('nobody'))).toBeUndefined();
    });

    it('hands out copies: changing a record read changes nothing stored', async () => {
      const store = await make();
      const id = uniqueId('b');
      await store.create(buildRecord(id, '2024-05-01T10:00:00.000Z'));
      const read = (await store.get(id))!;
      read.state = 'success';
      read.stages[0]!.state = 'success';
      expect(await store.get(id)).toEqual(buildRecord(id, '2024-05-01T10:00:00.000Z'));
    });

    it('lists recent builds newest first, at most as many as asked, each once', async () => {
      const store = await make();
      // Later than anything another test created, so these are the newest.
      const base = Date.now() + 3_600_000 * 24 * 365 * (1 + Math.random());
      const ids = [uniqueId('old'), uniqueId('mid'), uniqueId('new')];
      await store.create(buildRecord(ids[1]!, new Date(base + 1_000).toISOString()));
      await store.create(buildRecord(ids[0]!, new Date(base).toISOString()));
      await store.create(buildRecord(ids[2]!, new Date(base + 2_000).toISOString()));
      await store.put(buildRecord(ids[0]!, new Date(base).toISOString(), { state: 'running' }));
      expect((await store.recent(2)).map((r) => r.id)).toEqual([ids[2], ids[1]]);
      const all = (await store.recent(1000)).map((r) => r.id);
      expect(all.slice(0, 3)).toEqual([ids[2], ids[1], ids[0]]);
      expect(new Set(all).size).toBe(all.length);
    });

    it('pages through builds newest first, by repository, never repeating or skipping one', async () => {
      const store = await make();
      const repo = { owner: 'acme', name: uniqueId('paged-') };
      const base = Date.now() + 3_600_000 * 24 * 365 * (3 + Math.random());
      const ids: string[] = [];
      // Seven builds, two of them created at the same millisecond.
      for (let i = 0; i < 7; i++) {
        const id = uniqueId(`p${i}-`);
        ids.push(id);
        const at = new Date(base + (i === 4 ? 3 : i) * 1_000).toISOString();
        await store.create(buildRecord(id, at, { request: { ...buildRecord(id, at).request, repo } }));
      }
      await store.create(buildRecord(uniqueId('other-'), new Date(base).toISOString()));
      const name = `${repo.owner}/${repo.name}`;
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.scan({ repo: name, count: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.builds.map((b) => b.id));
        cursor = page.cursor;
        if (pages++ === 0) {
          // Created while paging, newer than all: never on a later page.
          await store.create(
            buildRecord(uniqueId('late-'), new Date(base + 10_000).toISOString(), {
              request: { ...buildRecord('x', 'y').request, repo },
            }),
          );
        }
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(new Set(seen).size).toBe(7);
      expect(seen.slice(0, 2)).toEqual([ids[6], ids[5]]);
      expect(seen.slice(-3)).toEqual([ids[2], ids[1], ids[0]]);
      expect(seen.filter((id) => id === ids[3] || id === ids[4]).length).toBe(2);
      const everything = await store.scan({ count: 1000 });
      expect(everything.builds.some((b) => b.id.startsWith('other-'))).toBe(true);
    });
  });
}
