import { describe, expect, it } from '@jest/globals';
import type { CacheLimits } from '../../../services/core/caches/cache-rules.js';
import type { CacheStore } from '../../../services/shared/ports/cache-store.js';
import { uniqueId } from './fixtures.js';

const T = (minute: number) => `2026-12-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const bytes = (n: number, fill = 7) => Buffer.alloc(n, fill);
const MASTER = 'refs/heads/master';
const BRANCH = 'refs/heads/feature';
const PR = 'refs/pull/7/head';

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
    it('finds a saved entry by its key and ref for another reader, and reads its bytes back', async () => {
      const { writer, reader } = await make(roomy);
      const repo = `acme/${uniqueId('r')}`;
      expect(await reader.lookup(repo, [MASTER], 'deps-abc', [], T(0))).toBeUndefined();
      const archive = Buffer.from([0, 1, 2, 255, 10]);
      expect(await writer.save(repo, MASTER, 'deps-abc', archive, T(1))).toEqual({ kind: 'saved', evicted: [] });
      expect(await reader.has(repo, MASTER, 'deps-abc')).toBe(true);
      expect(await reader.lookup(repo, [MASTER], 'deps-abc', ['deps-'], T(2))).toEqual({
        exact: true,
        entry: { ref: MASTER, key: 'deps-abc', size: 5, createdAt: T(1), lastUsedAt: T(2) },
      });
      expect(await reader.read(repo, MASTER, 'deps-abc')).toEqual(archive);
      expect(await reader.read(repo, MASTER, 'deps-other')).toBeUndefined();
    });

    it('falls back to the newest entry of the first restore key that matches, in order', async () => {
      const { writer, reader } = await make(roomy);
      const repo = `acme/${uniqueId('r')}`;
      await writer.save(repo, MASTER, 'deps-linux-old', bytes(1), T(1));
      await writer.save(repo, MASTER, 'deps-linux-new', bytes(2), T(2));
      await writer.save(repo, MASTER, 'deps-mac-newest', bytes(3), T(3));
      const hit = await reader.lookup(repo, [MASTER], 'deps-linux-changed', ['deps-linux-', 'deps-'], T(4));
      expect(hit).toMatchObject({ exact: false, prefix: 'deps-linux-', entry: { key: 'deps-linux-new' } });
      expect(await reader.lookup(repo, [MASTER], 'deps-win-x', ['deps-win-', 'deps-'], T(5))).toMatchObject({
        exact: false,
        prefix: 'deps-',
        entry: { key: 'deps-mac-newest', ref: MASTER },
      });
      expect(await reader.lookup(repo, [MASTER], 'other', ['tools-'], T(6))).toBeUndefined();
    });

    it('never saves a key twice under one ref: the first archive stays; another ref has its own', async () => {
      const { writer, reader } = await make(roomy);
      const repo = `acme/${uniqueId('r')}`;
      await writer.save(repo, MASTER, 'k', Buffer.from('first'), T(1));
      expect(await reader.save(repo, MASTER, 'k', Buffer.from('second'), T(2))).toEqual({ kind: 'exists' });
      expect((await reader.read(repo, MASTER, 'k'))?.toString()).toBe('first');
      expect(await reader.has(repo, BRANCH, 'k')).toBe(false);
      expect(await reader.save(repo, BRANCH, 'k', Buffer.from('branch'), T(3))).toEqual({ kind: 'saved', evicted: [] });
      expect((await reader.read(repo, MASTER, 'k'))?.toString()).toBe('first');
      expect((await reader.read(repo, BRANCH, 'k'))?.toString()).toBe('branch');
      expect((await reader.list(repo)).map((e) => [e.ref, e.key, e.createdAt])).toEqual([
        [BRANCH, 'k', T(3)],
        [MASTER, 'k', T(1)],
      ]);
    });

    it('finds only the refs asked for, and searches each (key, then prefixes) before the next', async () => {
      const { writer, reader } = await make(roomy);
      const repo = `acme/${uniqueId('r')}`;
      // A branch's entries, newer and with every key a build of master could ask for.
      await writer.save(repo, BRANCH, 'deps-1', bytes(1, 1), T(1));
      await writer.save(repo, BRANCH, 'deps-2', bytes(1, 2), T(2));
      expect(await reader.lookup(repo, [MASTER], 'deps-1', ['deps-', 'd', 'refs/'], T(3))).toBeUndefined();
      expect(await reader.read(repo, MASTER, 'deps-1')).toBeUndefined();
      expect(await reader.has(repo, MASTER, 'deps-1')).toBe(false);

      await writer.save(repo, MASTER, 'deps-1', bytes(1, 3), T(4));
      await writer.save(repo, PR, 'deps-0', bytes(1, 4), T(5));
      // The pull request's own prefix match comes before the base branch's exact key.
      expect(await reader.lookup(repo, [PR, BRANCH, MASTER], 'deps-1', ['deps-'], T(6))).toMatchObject({
        exact: false,
        prefix: 'deps-',
        entry: { ref: PR, key: 'deps-0' },
      });
      // Nothing of its own: the base branch's exact key, then (another key) its newest by prefix.
      expect(await reader.lookup(repo, [BRANCH, MASTER], 'deps-1', ['deps-'], T(7))).toMatchObject({
        exact: true,
        entry: { ref: BRANCH, key: 'deps-1' },
      });
      expect(await reader.lookup(repo, [BRANCH, MASTER], 'deps-9', ['deps-'], T(8))).toMatchObject({
        exact: false,
        entry: { ref: BRANCH, key: 'deps-2' },
      });
      // Neither: the default branch's.
      expect(await reader.lookup(repo, ['refs/heads/other', MASTER], 'deps-9', ['deps-'], T(9))).toMatchObject({
        exact: false,
        entry: { ref: MASTER, key: 'deps-1' },
      });
      expect(await reader.read(repo, MASTER, 'deps-1')).toEqual(bytes(1, 3));
    });

    it('keeps scopes apart: another repository finds nothing, not even by prefix', async () => {
      const { writer, reader } = await make(roomy);
      const repo = `acme/${uniqueId('r')}`;
      const other = `mallory/${uniqueId('r')}`;
      await writer.save(repo, MASTER, 'deps-1', bytes(4), T(1));
      expect(await reader.lookup(other, [MASTER], 'deps-1', ['deps-', 'd'], T(2))).toBeUndefined();
      expect(await reader.read(other, MASTER, 'deps-1')).toBeUndefined();
      expect(await reader.has(other, MASTER, 'deps-1')).toBe(false);
      expect(await reader.list(other)).toEqual([]);
      // A scope that is not a repository's name is still a scope of its own, and never a path.
      expect(await writer.save('../../etc', '../..', 'x', bytes(1), T(3))).toMatchObject({ kind: 'saved' });
      expect(await reader.lookup(repo, ['../..'], 'x', [], T(4))).toBeUndefined();
    });

    it('refuses an entry over the per-entry limit and keeps nothing of it', async () => {
      const { writer, reader } = await make({ maxEntryBytes: 100, maxScopeBytes: 1_000 });
      const repo = `acme/${uniqueId('r')}`;
      expect(await writer.save(repo, MASTER, 'big', bytes(101), T(1))).toEqual({
        kind: 'too-large',
        size: 101,
        limit: 100,
      });
      expect(await reader.has(repo, MASTER, 'big')).toBe(false);
      expect(await writer.save(repo, MASTER, 'fits', bytes(100), T(2))).toMatchObject({ kind: 'saved' });
    });

    it("evicts the least recently used entries of any ref past a repository's total, never the new one", async () => {
      const { writer, reader } = await make({ maxEntryBytes: 400, maxScopeBytes: 1_000 });
      const repo = `acme/${uniqueId('r')}`;
      const other = `acme/${uniqueId('r')}`;
      await writer.save(repo, MASTER, 'a', bytes(300), T(1));
      await writer.save(repo, PR, 'b', bytes(300), T(2));
      await writer.save(repo, BRANCH, 'c', bytes(300), T(3));
      await writer.save(other, MASTER, 'z', bytes(400), T(3));
      // `a` is used again: the pull request's `b` is now the least recently used.
      await reader.lookup(repo, [MASTER], 'a', [], T(4));
      expect(await writer.save(repo, MASTER, 'd', bytes(300), T(5))).toEqual({
        kind: 'saved',
        evicted: [{ ref: PR, key: 'b' }],
      });
      expect((await reader.list(repo)).map((e) => e.key)).toEqual(['d', 'c', 'a']);
      expect(await reader.read(repo, PR, 'b')).toBeUndefined();
      expect(await reader.lookup(repo, [PR], 'b', [], T(6))).toBeUndefined();
      // Another repository's total is its own.
      expect((await reader.list(other)).map((e) => e.key)).toEqual(['z']);
    });
  });
}
