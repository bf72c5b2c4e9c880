import type { CacheEntry, CacheHit, CacheName } from '../../core/caches/cache-rules.js';

export type { CacheEntry, CacheHit, CacheName } from '../../core/caches/cache-rules.js';

/** What a save did: kept (and which least recently used entries went to make room), or why not. */
export type CacheSaved =
  { kind: 'saved'; evicted: CacheName[] } | { kind: 'exists' } | { kind: 'too-large'; size: number; limit: number };

/**
 * Steps' caches (`cache:` in the spec), per scope (a repository, `owner/name`): archives
 * (tar) under immutable keys, each under the ref (`refs/heads/B`, `refs/pull/N/head`) whose
 * build saved it, within the operator's limits (an entry at most `maxEntryBytes`; a scope,
 * all its refs together, at most `maxScopeBytes`, least recently used entries evicted).
 *
 * Callers (the executor, any number of them at once): before a step, `lookup` in the refs the
 * build may read (which marks the entry used) and `read`; after it succeeded, `has` (a key
 * that exists under the build's own ref is not collected again) and `save` under its own ref.
 * Must tolerate: a `read` of an entry evicted since its lookup (undefined: a miss), two saves
 * of one key at once (one is kept, the other answers `exists` or replaces it with the same
 * key's bytes), unknown scopes and refs (nothing found). Scopes never see each other's
 * entries; a ref's entries are found only when that ref is asked for, by key or by prefix.
 */
export interface CacheStore {
  /**
   * `pickEntry`'s rule: for each ref in order, the entry named `key`, else the newest whose key
   * starts with a restore key (in order); marked used at `at`. The hit's entry names its ref.
   */
  lookup(
    scope: string,
    refs: readonly string[],
    key: string,
    restoreKeys: readonly string[],
    at: string,
  ): Promise<CacheHit | undefined>;
  read(scope: string, ref: string, key: string): Promise<Buffer | undefined>;
  has(scope: string, ref: string, key: string): Promise<boolean>;
  save(scope: string, ref: string, key: string, archive: Buffer, at: string): Promise<CacheSaved>;
  /** The scope's entries, every ref's, newest first. */
  list(scope: string): Promise<CacheEntry[]>;
}
