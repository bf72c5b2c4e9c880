/** One saved cache entry of a scope (a repository), as the `CacheStore` lists it. */
export interface CacheEntry {
  key: string;
  /** Bytes of its archive. */
  size: number;
  /** When it was saved, and last restored (or saved), ISO. */
  createdAt: string;
  lastUsedAt: string;
}

/** The operator's limits (SLIPWAY_CACHE_MAX_ENTRY_BYTES, SLIPWAY_CACHE_MAX_REPO_BYTES). */
export interface CacheLimits {
  maxEntryBytes: number;
  maxScopeBytes: number;
}

export const DEFAULT_CACHE_LIMITS: CacheLimits = {
  maxEntryBytes: 100 * 1024 * 1024,
  maxScopeBytes: 1024 * 1024 * 1024,
};

/** What a lookup found: the entry, and whether by its key or by a restore key's prefix. */
export type CacheHit = { entry: CacheEntry; exact: true } | { entry: CacheEntry; exact: false; prefix: string };

/**
 * GitHub Actions' rule: the entry named `key`; else, for each restore key in order, the
 * newest entry (by when it was saved) whose key starts with it.
 */
export function pickEntry(
  entries: readonly CacheEntry[],
  key: string,
  restoreKeys: readonly string[],
): CacheHit | undefined {
  const exact = entries.find((e) => e.key === key);
  if (exact) return { entry: exact, exact: true };
  for (const prefix of restoreKeys) {
    if (prefix === '') continue;
    const newest = entries
      .filter((e) => e.key.startsWith(prefix))
      .sort((a, b) => (a.createdAt === b.createdAt ? 0 : a.createdAt < b.createdAt ? 1 : -1))[0];
    if (newest) return { entry: newest, exact: false, prefix };
  }
  return undefined;
}

/**
 * The keys to remove so that the scope's total fits `maxScopeBytes`: least recently used
 * first, never `keep` (the entry just saved).
 */
export function evictions(entries: readonly CacheEntry[], maxScopeBytes: number, keep: string): string[] {
  let total = entries.reduce((sum, e) => sum + e.size, 0);
  const gone: string[] = [];
  const oldestFirst = entries
    .filter((e) => e.key !== keep)
    .sort((a, b) => (a.lastUsedAt === b.lastUsedAt ? 0 : a.lastUsedAt < b.lastUsedAt ? -1 : 1));
  for (const e of oldestFirst) {
    if (total <= maxScopeBytes) break;
    total -= e.size;
    gone.push(e.key);
  }
  return gone;
}
