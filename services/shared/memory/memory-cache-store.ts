import {
  DEFAULT_CACHE_LIMITS,
  evictions,
  pickEntry,
  type CacheEntry,
  type CacheHit,
  type CacheLimits,
} from '../../core/caches/cache-rules.js';
import type { CacheSaved, CacheStore } from '../ports/cache-store.js';

type Kept = Map<string, { entry: CacheEntry; bytes: Buffer }>;

/** Caches in this process's memory (unit tests, `slipway run`). */
export class MemoryCacheStore implements CacheStore {
  private readonly scopes = new Map<string, Kept>();

  constructor(private readonly limits: CacheLimits = DEFAULT_CACHE_LIMITS) {}

  async lookup(
    scope: string,
    refs: readonly string[],
    key: string,
    restoreKeys: readonly string[],
    at: string,
  ): Promise<CacheHit | undefined> {
    const kept = this.scopes.get(scope);
    const hit = pickEntry(
      [...(kept?.values() ?? [])].map((k) => k.entry),
      refs,
      key,
      restoreKeys,
    );
    if (!hit || !kept) return undefined;
    const stored = kept.get(nameOf(hit.entry.ref, hit.entry.key))!;
    stored.entry = { ...stored.entry, lastUsedAt: at };
    return { ...hit, entry: { ...stored.entry } };
  }

  async read(scope: string, ref: string, key: string): Promise<Buffer | undefined> {
    const bytes = this.scopes.get(scope)?.get(nameOf(ref, key))?.bytes;
    return bytes ? Buffer.from(bytes) : undefined;
  }

  async has(scope: string, ref: string, key: string): Promise<boolean> {
    return this.scopes.get(scope)?.has(nameOf(ref, key)) ?? false;
  }

  async save(scope: string, ref: string, key: string, archive: Buffer, at: string): Promise<CacheSaved> {
    if (archive.length > this.limits.maxEntryBytes)
      return { kind: 'too-large', size: archive.length, limit: this.limits.maxEntryBytes };
    const kept: Kept = this.scopes.get(scope) ?? new Map();
    this.scopes.set(scope, kept);
    if (kept.has(nameOf(ref, key))) return { kind: 'exists' };
    kept.set(nameOf(ref, key), {
      entry: { ref, key, size: archive.length, createdAt: at, lastUsedAt: at },
      bytes: Buffer.from(archive),
    });
    const evicted = evictions(
      [...kept.values()].map((k) => k.entry),
      this.limits.maxScopeBytes,
      { ref, key },
    );
    for (const gone of evicted) kept.delete(nameOf(gone.ref, gone.key));
    return { kind: 'saved', evicted };
  }

  async list(scope: string): Promise<CacheEntry[]> {
    return [...(this.scopes.get(scope)?.values() ?? [])]
      .map((k) => ({ ...k.entry }))
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }
}

// A ref never holds a NUL (git refuses one), so the pair is unambiguous.
function nameOf(ref: string, key: string): string {
  return `${ref}\0${key}`;
}
