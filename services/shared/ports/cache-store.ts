import type { CacheEntry, CacheHit } from '../../core/caches/cache-rules.js';

export type { CacheEntry, CacheHit } from '../../core/caches/cache-rules.js';

/** What a save did: kept (and which least recently used entries went to make room), or why not. */
export type CacheSaved =
  { kind: 'saved'; evicted: string[] } | { kind: 'exists' } | { kind: 'too-large'; size: number; limit: number };

/**
 * Steps' caches (`cache:` in the spec), per scope (a repository, `owner/name`): archives
 * (tar) under immutable keys, within the operator's limits (an entry at most
 * `maxEntryBytes`; a scope at most `maxScopeBytes`, least recently used entries evicted).
 *
 * Callers (the executor, any number of them at once): before a step, `lookup` (which marks
 * the entry used) and `read`; after it succeeded, `has` (a key that exists is not collected
 * again) and `save`. Must tolerate: a `read` of an entry evicted since its lookup
 * (undefined: a miss), two saves of one key at once (one is kept, the other answers
 * `exists` or replaces it with the same key's bytes), unknown scopes (nothing found).
 * Scopes never see each other's entries.
 */
export interface CacheStore {
  /** The entry named `key`, else the newest whose key starts with a restore key (in order); marked used at `at`. */
  lookup(scope: string, key: string, restoreKeys: readonly string[], at: string): Promise<CacheHit | undefined>;
  read(scope: string, key: string): Promise<Buffer | undefined>;
  has(scope: string, key: string): Promise<boolean>;
  save(scope: string, key: string, archive: Buffer, at: string): Promise<CacheSaved>;
  /** The scope's entries, newest first. */
  list(scope: string): Promise<CacheEntry[]>;
}
