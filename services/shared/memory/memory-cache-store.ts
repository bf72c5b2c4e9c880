import {
  DEFAULT_CACHE_LIMITS,
  evictions,
  pickEntry,
  type CacheEntry,
  type CacheHit,
  type CacheLimits,
} from '../../core/caches/cache-rules.js';
import type { CacheSaved, CacheStore } from '../ports/cache-store.js';

/** Caches in this process's memory (unit tests, `slipway run`). */
export class MemoryCacheStore implements CacheStore {
  private readonly scopes = new Map<string, Map<string, { entry: CacheEntry; bytes: Buffer }>>();

  constructor(private readonly limits: CacheLimits = DEFAULT_CACHE_LIMITS) {}

  async lookup(scope: string, key: string, restoreKeys: readonly string[], at: string): Promise<CacheHit | undefined> {
    const kept = this.scopes.get(scope);
    const hit = pickEntry(
      [...(kept?.values() ?? [])].map((k) => k.entry),
      key,
      restoreKeys,
    );
    if (!hit || !kept) return undefined;
    const stored = kept.get(hit.entry.key)!;
    stored.entry = { ...stored.entry, lastUsedAt: at };
    return { ...hit, entry: { ...stored.entry } };
  }

  async read(scope: string, key: string): Promise<Buffer | undefined> {
    const bytes = this.scopes.get(scope)?.get(key)?.bytes;
    return bytes ? Buffer.from(bytes) : undefined;
  }

  async has(scope: string, key: string): Promise<boolean> {
    return this.scopes.get(scope)?.has(key) ?? false;
  }

  async save(scope: string, key: string, archive: Buffer, at: string): Promise<CacheSaved> {
    if (archive.length > this.limits.maxEntryBytes)
      return { kind: 'too-large', size: archive.length, limit: this.limits.maxEntryBytes };
    const kept = this.scopes.get(scope) ?? new Map<string, { entry: CacheEntry; bytes: Buffer }>();
    this.scopes.set(scope, kept);
    if (kept.has(key)) return { kind: 'exists' };
    kept.set(key, {
      entry: { key, size: archive.length, createdAt: at, lastUsedAt: at },
      bytes: Buffer.from(archive),
    });
    const evicted = evictions(
      [...kept.values()].map((k) => k.entry),
      this.limits.maxScopeBytes,
      key,
    );
    for (const gone of evicted) kept.delete(gone);
    return { kind: 'saved', evicted };
  }

  async list(scope: string): Promise<CacheEntry[]> {
    return [...(this.scopes.get(scope)?.values() ?? [])]
      .map((k) => ({ ...k.entry }))
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }
}
