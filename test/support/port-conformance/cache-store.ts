import { describe, expect, it } from '@jest/globals';
import type { CacheLimits } from '../../../services/core/caches/cache-rules.js';
import type { CacheStore } from '../../../services/shared/ports/cache-store.js';
import { uniqueId } from './fixtures.js';

const T = (minute: number) => `2026-12-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const bytes = (n: number, fill = 7) => Buffer.alloc(n, fill);

/**
 * What every CacheStore must do. `make(limits)` gives two instances on the same storage
 * where there can be two (two executors), else the same one twice.
 */
export function describeCacheStoreConformance(
  name: string,
  make: (limits: CacheLimits) => Promise<{ writer: CacheStore; reader: CacheStore }>,
): void {
  const roomy = { maxEntryBytes: 1_000, maxScopeBytes: 10_000 };

  describe(`${name}: CacheStore`, () => {
    it('finds a saved entry by its key for another reader, and reads its bytes back', async () => {
      const { writer, reader } = await make(roomy);
      const repo = `acme/${uniqueId('r')}`;
      expect(await reader.lookup(repo, 'deps-abc', [], T(0))).toBeUndefined();
      const archive = Buffer.from([0, 1, 2, 255, 10]);
      expect(await writer.save(repo, 'deps-abc', archive, T(1))).toEqual({ kind: 'saved', evicted: [] });
      expect(await reader.has(repo, 'deps-abc')).toBe(true);
      expect(await reader.lookup(repo, 'deps-abc', ['deps-'], T(2))).toEqual({
        exact: true,
        entry: { key: 'deps-abc', size: 5, createdAt: T(1), lastUsedAt: T(2) },
      });
      expect(await reader.read(repo, 'deps-abc')).toEqual(archive);
      expect(await reader.read(repo, 'deps-other')).toBeUndefined();
    });

    it('falls back to the newest entry of the first restore key that matches, in order', async () => {
      const { writer, reader } = await make(roomy);
      const repo = `acme/${uniqueId('r')}`;
      await writer.save(repo, 'deps-linux-old', bytes(1), T(1));
      await writer.save(repo, 'deps-linux-new', bytes(2), T(2));
      await writer.save(repo, 'deps-mac-newest', bytes(3), T(3));
      const hit = await reader.lookup(repo, 'deps-linux-changed', ['deps-linux-', 'deps-'], T(4));
      expect(hit).toMatchObject({ exact: false, prefix: 'deps-linux-', entry: { key: 'deps-linux-new' } });
      expect(await reader.lookup(repo, 'deps-win-x', ['deps-win-', 'deps-'], T(5))).toMatchObject({
        exact: false,
        prefix: 'deps-',
        entry: { key: 'deps-mac-newest' },
      });
      expect(await reader.lookup(repo, 'other', ['tools-'], T(6))).toBeUndefined();
    });

    it('never saves a key twice: the first archive stays', async () => {
      const { writer, reader } = await make(roomy);
      const repo = `acme/${uniqueId('r')}`;
      await writer.save(repo, 'k', Buffer.from('first'), T(1));
      expect(await reader.save(repo, 'k', Buffer.from('second'), T(2))).toEqual({ kind: 'exists' });
      expect((await reader.read(repo, 'k'))?.toString()).toBe('first');
      expect((await reader.list(repo)).map((e) => e.createdAt)).toEqual([T(1)]);
    });

    it('keeps scopes apart: another repository finds nothing, not even by prefix', async () => {
      const { writer, reader } = await make(roomy);
      const repo = `acme/${uniqueId('r')}`;
      const other = `mallory/${uniqueId('r')}`;
      await writer.save(repo, 'deps-1', bytes(4), T(1));
      expect(await reader.lookup(other, 'deps-1', ['deps-', 'd'], T(2))).toBeUndefined();
      expect(await reader.read(other, 'deps-1')).toBeUndefined();
      expect(await reader.has(other, 'deps-1')).toBe(false);
      expect(await reader.list(other)).toEqual([]);
      // A scope that is not a repository's name is still a scope of its own, and never a path.
      expect(await writer.save('../../etc', 'x', bytes(1), T(3))).toMatchObject({ kind: 'saved' });
      expect(await reader.lookup(repo, 'x', [], T(4))).toBeUndefined();
    });

    it('refuses an entry over the per-entry limit and keeps nothing of it', async () => {
      const { writer, reader } = await make({ maxEntryBytes: 100, maxScopeBytes: 1_000 });
      const repo = `acme/${uniqueId('r')}`;
      expect(await writer.save(repo, 'big', bytes(101), T(1))).toEqual({ kind: 'too-large', size: 101, limit: 100 });
      expect(await reader.has(repo, 'big')).toBe(false);
      expect(await writer.save(repo, 'fits', bytes(100), T(2))).toMatchObject({ kind: 'saved' });
    });

    it('evicts the least recently used entries when a repository is over its total, never the new one', async () => {
      const { writer, reader } = await make({ maxEntryBytes: 400, maxScopeBytes: 1_000 });
      const repo = `acme/${uniqueId('r')}`;
      const other = `acme/${uniqueId('r')}`;
      await writer.save(repo, 'a', bytes(300), T(1));
      await writer.save(repo, 'b', bytes(300), T(2));
      await writer.save(repo, 'c', bytes(300), T(3));
      await writer.save(other, 'z', bytes(400), T(3));
      // `a` is used again: `b` is now the least recently used.
      await reader.lookup(repo, 'a', [], T(4));
      expect(await writer.save(repo, 'd', bytes(300), T(5))).toEqual({ kind: 'saved', evicted: ['b'] });
      expect((await reader.list(repo)).map((e) => e.key)).toEqual(['d', 'c', 'a']);
      expect(await reader.read(repo, 'b')).toBeUndefined();
      expect(await reader.lookup(repo, 'b', [], T(6))).toBeUndefined();
      // Another repository's total is its own.
      expect((await reader.list(other)).map((e) => e.key)).toEqual(['z']);
    });
  });
}
