import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  DEFAULT_CACHE_LIMITS,
  evictions,
  pickEntry,
  type CacheEntry,
  type CacheHit,
  type CacheLimits,
} from '../../core/caches/cache-rules.js';
import type { CacheSaved, CacheStore } from '../ports/cache-store.js';

const NAME = /^[A-Za-z0-9_.-]+$/;
const ARCHIVE = /^([0-9a-f]{64})\.tar$/;
const ENTRY = /^([0-9a-f]{64})\.json$/;
const TEMPORARY = /^[0-9a-f]{64}\.(tar|json)\.[0-9a-f]{12}\.tmp$/;

/** How old a temporary file or an archive without its entry must be before a sweep removes it. */
export const ORPHAN_AGE_MS = 10 * 60_000;

/** What a sweep removed. */
export interface CacheSweep {
  /** `.tmp` files older than `ORPHAN_AGE_MS` (an executor stopped while it wrote them). */
  temporaries: number;
  /** Archives without their entry, older than `ORPHAN_AGE_MS`. */
  archives: number;
  /** Entries whose archive is gone. */
  entries: number;
  /** Entries saved before caches were kept per ref (no `ref`): no lookup finds them any more. */
  unscoped: number;
}

/**
 * Caches in a directory (SLIPWAY_CACHE_DIR; a volume when Slipway runs in the stack), which
 * every executor of the installation may share: `<dir>/<owner>+<name>/<sha256 of ref NUL key>.tar`,
 * and beside it `.json` with the entry (ref, key, size, when saved, when last used). No index
 * shared between entries, so concurrent executors never lose each other's writes; each file
 * is written to a temporary name and renamed, and the archive before its entry, so a listed
 * entry has its archive (until it is evicted: a read then finds nothing, which is a miss).
 *
 * What an executor stopped mid-write (or a lost file) leaves is swept by `sweep` (at start-up)
 * and in the repository's directory at each save, before the total is counted: temporary files
 * and archives without an entry once older than `ORPHAN_AGE_MS` (younger ones may be another
 * executor's save under way), entries whose archive is missing at once.
 */
export class FsCacheStore implements CacheStore {
  private readonly root: string;

  constructor(
    dir: string,
    private readonly limits: CacheLimits = DEFAULT_CACHE_LIMITS,
  ) {
    this.root = resolve(dir);
  }

  async lookup(
    scope: string,
    refs: readonly string[],
    key: string,
    restoreKeys: readonly string[],
    at: string,
  ): Promise<CacheHit | undefined> {
    const hit = pickEntry(await this.list(scope), refs, key, restoreKeys);
    // Evicted by another executor since the listing: a miss, and no entry written back without its archive.
    if (!hit || !(await exists(this.entryFile(scope, hit.entry.ref, hit.entry.key, 'tar')))) return undefined;
    const entry = { ...hit.entry, lastUsedAt: at };
    await atomicWrite(this.entryFile(scope, entry.ref, entry.key, 'json'), Buffer.from(JSON.stringify(entry)));
    return { ...hit, entry };
  }

  async read(scope: string, ref: string, key: string): Promise<Buffer | undefined> {
    return readFile(this.entryFile(scope, ref, key, 'tar')).catch(missing(undefined));
  }

  async has(scope: string, ref: string, key: string): Promise<boolean> {
    const text = await readFile(this.entryFile(scope, ref, key, 'json'), 'utf8').catch(missing(undefined));
    return text !== undefined && exists(this.entryFile(scope, ref, key, 'tar'));
  }

  async save(scope: string, ref: string, key: string, archive: Buffer, at: string): Promise<CacheSaved> {
    if (archive.length > this.limits.maxEntryBytes)
      return { kind: 'too-large', size: archive.length, limit: this.limits.maxEntryBytes };
    if (await this.has(scope, ref, key)) return { kind: 'exists' };
    await mkdir(this.scopeDir(scope), { recursive: true });
    await atomicWrite(this.entryFile(scope, ref, key, 'tar'), archive);
    const entry: CacheEntry = { ref, key, size: archive.length, createdAt: at, lastUsedAt: at };
    await atomicWrite(this.entryFile(scope, ref, key, 'json'), Buffer.from(JSON.stringify(entry)));
    // What is left of interrupted saves and lost archives would count in the total, or take room uncounted.
    await sweepDir(this.scopeDir(scope), Date.now());
    const evicted = evictions(await this.list(scope), this.limits.maxScopeBytes, { ref, key });
    for (const gone of evicted) {
      // The entry first: a reader never lists an entry whose archive is gone for good.
      await rm(this.entryFile(scope, gone.ref, gone.key, 'json'), { force: true });
      await rm(this.entryFile(scope, gone.ref, gone.key, 'tar'), { force: true });
    }
    return { kind: 'saved', evicted };
  }

  async list(scope: string): Promise<CacheEntry[]> {
    const names = await readdir(this.scopeDir(scope)).catch(missing<string[]>([]));
    const entries: CacheEntry[] = [];
    for (const name of names.filter((n) => ENTRY.test(n))) {
      const entry = await readEntry(join(this.scopeDir(scope), name));
      // One saved before caches were kept per ref has none: no build may restore it.
      if (entry && typeof entry.ref === 'string') entries.push(entry);
    }
    return entries.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  /** Sweeps every repository's directory (see the class); `now` in ms, for the files' ages. */
  async sweep(now = Date.now()): Promise<CacheSweep> {
    const total: CacheSweep = { temporaries: 0, archives: 0, entries: 0, unscoped: 0 };
    const dirs = await readdir(this.root, { withFileTypes: true }).catch(missing([]));
    for (const dir of dirs.filter((d) => d.isDirectory())) {
      const swept = await sweepDir(join(this.root, dir.name), now);
      for (const k of Object.keys(total) as Array<keyof CacheSweep>) total[k] += swept[k];
    }
    return total;
  }

  private scopeDir(scope: string): string {
    const [owner = '', name = '', ...rest] = scope.split('/');
    // A repository's own name when it is one (readable on disk), else a hash: never a path out of the root.
    const dir =
      rest.length === 0 && NAME.test(owner) && NAME.test(name) && owner !== '..' && name !== '..'
        ? `${owner}+${name}`
        : `scope-${sha256(scope)}`;
    return join(this.root, dir);
  }

  private entryFile(scope: string, ref: string, key: string, ext: 'tar' | 'json'): string {
    // A ref never holds a NUL (git refuses one), so ref and key are one unambiguous name.
    return join(this.scopeDir(scope), `${sha256(`${ref}\0${key}`)}.${ext}`);
  }
}

async function sweepDir(dir: string, now: number): Promise<CacheSweep> {
  const swept: CacheSweep = { temporaries: 0, archives: 0, entries: 0, unscoped: 0 };
  const names = new Set(await readdir(dir).catch(missing<string[]>([])));
  const old = async (name: string) => {
    const info = await stat(join(dir, name)).catch(missing(undefined));
    return info !== undefined && now - info.mtimeMs > ORPHAN_AGE_MS;
  };
  const remove = (name: string) => rm(join(dir, name), { force: true });
  for (const name of names) {
    const archive = ARCHIVE.exec(name)?.[1];
    const entry = ENTRY.exec(name)?.[1];
    if (TEMPORARY.test(name)) {
      if (!(await old(name))) continue;
      await remove(name);
      swept.temporaries++;
    } else if (archive !== undefined) {
      // Looked at again: a save renames its entry in just after its archive.
      if (names.has(`${archive}.json`) || (await exists(join(dir, `${archive}.json`))) || !(await old(name))) continue;
      await remove(name);
      swept.archives++;
    } else if (entry !== undefined) {
      const parsed = await readEntry(join(dir, name));
      if (parsed && typeof parsed.ref !== 'string') {
        // The entry first, as an eviction does.
        await remove(name);
        await remove(`${entry}.tar`);
        swept.unscoped++;
      } else if (parsed && !(await exists(join(dir, `${entry}.tar`)))) {
        await remove(name);
        swept.entries++;
      }
    }
  }
  return swept;
}

async function readEntry(path: string): Promise<CacheEntry | undefined> {
  const text = await readFile(path, 'utf8').catch(missing(undefined));
  return text === undefined ? undefined : (JSON.parse(text) as CacheEntry);
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, missing(false));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function missing<T>(value: T): (err: unknown) => T {
  return (err) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return value;
    throw err;
  };
}

async function atomicWrite(target: string, bytes: Buffer): Promise<void> {
  const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, target);
}
