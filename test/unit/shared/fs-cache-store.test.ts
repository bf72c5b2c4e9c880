import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { FsCacheStore, ORPHAN_AGE_MS } from '../../../services/shared/fs/fs-cache-store.js';

const MASTER = 'refs/heads/master';
const T = (minute: number) => `2026-12-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** The file name an entry's archive and `.json` have in its repository's directory. */
const fileOf = (ref: string, key: string) => sha256(`${ref}\0${key}`);

/** A file in `dir`, written `ageMs` ago (by its modification time). */
function put(dir: string, name: string, bytes: string | Buffer, ageMs = 0): void {
  writeFileSync(join(dir, name), bytes);
  const then = (Date.now() - ageMs) / 1000;
  utimesSync(join(dir, name), then, then);
}

const OLD = ORPHAN_AGE_MS + 60_000;

describe('the filesystem cache store: what interrupted saves and lost files leave', () => {
  it('is swept at start-up: old temporaries and archives without entries, entries without archives', async () => {
    const root = mkdtempSync(join(tmpdir(), 'slipway-cache-sweep-'));
    const store = new FsCacheStore(root);
    await store.save('acme/app', MASTER, 'kept', Buffer.from('kept'), T(1));
    await store.save('acme/app', MASTER, 'lost', Buffer.from('lost'), T(2));
    const repo = join(root, 'acme+app');
    const other = join(root, 'acme+other');
    mkdirSync(other);
    // An executor killed mid-save, long ago and (maybe another's, still writing) just now.
    put(repo, `${fileOf(MASTER, 'x')}.tar.0123456789ab.tmp`, 'partial', OLD);
    put(other, `${fileOf(MASTER, 'y')}.json.0123456789ab.tmp`, '{"ref', OLD);
    put(repo, `${fileOf(MASTER, 'young')}.tar.ba9876543210.tmp`, 'partial');
    // Archives whose entry never came (or went), old and young.
    put(repo, `${fileOf(MASTER, 'orphan')}.tar`, 'orphan', OLD);
    put(repo, `${fileOf(MASTER, 'writing')}.tar`, 'writing');
    // An archive lost, its entry left.
    rmSync(join(repo, `${fileOf(MASTER, 'lost')}.tar`));
    // Saved before caches were kept per ref: named by the key alone, no ref.
    const unscoped = sha256('deps-old');
    put(repo, `${unscoped}.tar`, 'old', OLD);
    put(repo, `${unscoped}.json`, JSON.stringify({ key: 'deps-old', size: 3, createdAt: T(0), lastUsedAt: T(0) }), OLD);
    put(repo, 'NOTES.txt', 'not the store’s');

    expect(await new FsCacheStore(root).sweep()).toEqual({ temporaries: 2, archives: 1, entries: 1, unscoped: 1 });
    expect(readdirSync(repo).sort()).toEqual(
      [
        `${fileOf(MASTER, 'kept')}.json`,
        `${fileOf(MASTER, 'kept')}.tar`,
        `${fileOf(MASTER, 'young')}.tar.ba9876543210.tmp`,
        `${fileOf(MASTER, 'writing')}.tar`,
        'NOTES.txt',
      ].sort(),
    );
    expect(readdirSync(other)).toEqual([]);
    expect((await store.list('acme/app')).map((e) => e.key)).toEqual(['kept']);
    expect(await store.lookup('acme/app', [MASTER], 'lost', [], T(3))).toBeUndefined();
    expect((await store.read('acme/app', MASTER, 'kept'))?.toString()).toBe('kept');
  });

  it("does not count a lost archive in the repository's total when a save evicts; sweeps the directory", async () => {
    const root = mkdtempSync(join(tmpdir(), 'slipway-cache-sweep-'));
    const store = new FsCacheStore(root, { maxEntryBytes: 400, maxScopeBytes: 1_000 });
    const bytes = (n: number) => Buffer.alloc(n, 1);
    await store.save('acme/app', MASTER, 'a', bytes(300), T(1));
    await store.save('acme/app', MASTER, 'b', bytes(300), T(2));
    await store.save('acme/app', MASTER, 'c', bytes(300), T(3));
    await store.lookup('acme/app', [MASTER], 'b', [], T(4));
    const repo = join(root, 'acme+app');
    // `b`, the most recently used, loses its archive; a killed save left 300 bytes nobody counts.
    rmSync(join(repo, `${fileOf(MASTER, 'b')}.tar`));
    put(repo, `${fileOf(MASTER, 'e')}.tar.0123456789ab.tmp`, bytes(300), OLD);
    put(repo, `${fileOf(MASTER, 'f')}.tar`, bytes(300), OLD);

    // a, c and d fit: nothing that still has its archive goes for b's sake.
    expect(await store.save('acme/app', MASTER, 'd', bytes(300), T(5))).toEqual({ kind: 'saved', evicted: [] });
    expect((await store.list('acme/app')).map((e) => e.key)).toEqual(['d', 'c', 'a']);
    expect(readdirSync(repo).sort()).toEqual(
      ['a', 'c', 'd'].flatMap((k) => [`${fileOf(MASTER, k)}.json`, `${fileOf(MASTER, k)}.tar`]).sort(),
    );
  });
});
