/**
 * One saved cache entry of a scope (a repository), as the `CacheStore` lists it. Entries live
 * under the ref whose build saved them: a key is unique within a ref, and two refs may each
 * hold an entry of one key.
 */
export interface CacheEntry {
  /** The ref whose build saved it: `refs/heads/master`, `refs/pull/7/head`. */
  ref: string;
  key: string;
  /** Bytes of its archive. */
  size: number;
  /** When it was saved, and last restored (or saved), ISO. */
  createdAt: string;
  lastUsedAt: string;
}

/** An entry's name within its scope: the ref it was saved under and its key. */
export type CacheName = Pick<CacheEntry, 'ref' | 'key'>;

/** The operator's limits (SLIPWAY_CACHE_MAX_ENTRY_BYTES, SLIPWAY_CACHE_MAX_REPO_BYTES). */
export interface CacheLimits {
  maxEntryBytes: number;
  maxScopeBytes: number;
}

export const DEFAULT_CACHE_LIMITS: CacheLimits = {
  maxEntryBytes: 100 * 1024 * 1024,
  maxScopeBytes: 1024 * 1024 * 1024,
};

/** What a lookup found: the entry (with the ref it is under), and whether by its key or by a restore key's prefix. */
export type CacheHit = { entry: CacheEntry; exact: true } | { entry: CacheEntry; exact: false; prefix: string };

/**
 * GitHub Actions' rule, ref by ref in the order given (the build's own, then a pull request's
 * base branch, then the default branch): within a ref, the entry named `key`; else, for each
 * restore key in order, the newest entry (by when it was saved) whose key starts with it; only
 * then the next ref. A prefix never matches an entry of another ref than the one searched.
 */
export function pickEntry(
  entries: readonly CacheEntry[],
  refs: readonly string[],
  key: string,
  restoreKeys: readonly string[],
): CacheHit | undefined {
  for (const ref of refs) {
    const own = entries.filter((e) => e.ref === ref);
    const exact = own.find((e) => e.key === key);
    if (exact) return { entry: exact, exact: true };
    for (const prefix of restoreKeys) {
      if (prefix === '') continue;
      const newest = own
        .filter((e) => e.key.startsWith(prefix))
        .sort((a, b) => (a.createdAt === b.createdAt ? 0 : a.createdAt < b.createdAt ? 1 : -1))[0];
      if (newest) return { entry: newest, exact: false, prefix };
    }
  }
  return undefined;
}

/**
 * The entries to remove so that the scope's total (every ref's entries together) fits
 * `maxScopeBytes`: least recently used first, never `keep` (the entry just saved).
 */
export function evictions(entries: readonly CacheEntry[], maxScopeBytes: number, keep: CacheName): CacheName[] {
  let total = entries.reduce((sum, e) => sum + e.size, 0);
  const gone: CacheName[] = [];
  const oldestFirst = entries
    .filter((e) => !sameName(e, keep))
    .sort((a, b) => (a.lastUsedAt === b.lastUsedAt ? 0 : a.lastUsedAt < b.lastUsedAt ? -1 : 1));
  for (const e of oldestFirst) {
    if (total <= maxScopeBytes) break;
    total -= e.size;
    gone.push({ ref: e.ref, key: e.key });
  }
  return gone;
}

export function sameName(a: CacheName, b: CacheName): boolean {
  return a.ref === b.ref && a.key === b.key;
}
