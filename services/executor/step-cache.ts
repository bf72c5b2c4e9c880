import { formatBytes } from '../core/artifacts/limits.js';
import { hashesKnown, resolveTemplate } from '../core/buildspec/cache-templates.js';
import { DEFAULT_CACHE_LIMITS } from '../core/caches/cache-rules.js';
import type { LogLine } from '../core/builds/log-line.js';
import type { StepRecord } from '../core/builds/record.js';
import type { PlanStep } from '../core/plan/types.js';
import type { CollectedSet, FileSet, StepRestore } from './backend/types.js';
import type { StepContext } from './run-step.js';

/** The name of the collector's set that holds a step's cache. */
export const CACHE_SET = 'cache';

/**
 * Before a step: its cache key filled in from the checkout's file hashes, the entry to restore
 * (in each ref the build reads, in order: by key, else the newest by a restore key's prefix),
 * recorded in `rec.cache` with the ref it came from; the lines for the step's log. Never
 * throws: a cache that cannot be looked up is a miss that says why.
 */
export async function cacheBeforeStep(
  step: PlanStep,
  rec: StepRecord,
  ctx: StepContext,
): Promise<{ restore?: StepRestore; lines: LogLine[] }> {
  const cache = step.cache;
  const store = ctx.deps.caches;
  if (!cache || !store) return { lines: [] };
  const say = (text: string) => ({ lines: lines([text], ctx) });
  if (!cache.scope || !cache.ref) {
    // A plan queued before caches were kept per ref has a scope and no ref: it may not read other branches' entries.
    const off = cache.refused ?? (cache.scope ? 'the plan was made before caches were kept per branch' : 'no cache');
    rec.cache = { key: cache.key, off };
    return say(`slipway: cache not used: ${off}`);
  }
  const hashes = ctx.fileHashes();
  // Without them every build would resolve to one key and restore a stale cache as an exact hit.
  if (![cache.key, ...cache.restoreKeys].every((t) => hashesKnown(t, hashes))) {
    rec.cache = { key: cache.key, off: "the checkout's file hashes for the key are unknown" };
    return say(`slipway: cache not used: ${rec.cache.off}`);
  }
  const key = resolveTemplate(cache.key, hashes);
  const restoreKeys = cache.restoreKeys.map((k) => resolveTemplate(k, hashes));
  rec.cache = { key };
  try {
    const hit = await store.lookup(cache.scope, cache.reads ?? [cache.ref], key, restoreKeys, ctx.now());
    const archive = hit && (await store.read(cache.scope, hit.entry.ref, hit.entry.key));
    // Evicted between the lookup and the read: a miss.
    if (!hit || !archive) return say(`slipway: cache miss ${key}`);
    const { ref } = hit.entry;
    rec.cache.restored = hit.exact ? { key: hit.entry.key, ref } : { key: hit.entry.key, prefix: hit.prefix, ref };
    return {
      restore: { archive, image: ctx.image(ctx.checkout.image), schedulingTimeoutMs: ctx.deps.schedulingTimeoutMs },
      lines: lines(
        [
          hit.exact
            ? `slipway: cache hit ${key} (from ${ref}; ${formatBytes(archive.length)})`
            : `slipway: cache restored from ${hit.entry.key} ` +
              `(prefix ${hit.prefix}; from ${ref}; ${formatBytes(archive.length)})`,
        ],
        ctx,
      ),
    };
  } catch (err) {
    return say(`slipway: cache miss ${key}: the cache could not be read (${(err as Error).message})`);
  }
}

/** The line for a restore the backend could not do; the step ran without the cache. */
export function restoreFailed(rec: StepRecord, problem: string, ctx: StepContext): LogLine[] {
  if (rec.cache) delete rec.cache.restored;
  return lines([`slipway: cache not restored, the step runs without it: ${problem}`], ctx);
}

/**
 * Whether the collector should take the cache after a success: not when the entry came by
 * its own key (from whichever ref: GitHub's rule too), nor when the key exists under the
 * build's own ref (keys are immutable). Answers the set to take, or the lines saying why not.
 */
export async function cacheSetToTake(
  step: PlanStep,
  rec: StepRecord,
  ctx: StepContext,
): Promise<{ set?: FileSet; lines: LogLine[] }> {
  const cache = step.cache;
  const store = ctx.deps.caches;
  const record = rec.cache;
  if (!cache?.scope || !cache.ref || !store || !record || record.off) return { lines: [] };
  if (record.restored && record.restored.prefix === undefined) {
    record.saved = 'exists';
    return { lines: lines([`slipway: cache ${record.key} was restored by its key: not saved again`], ctx) };
  }
  try {
    if (await store.has(cache.scope, cache.ref, record.key)) {
      record.saved = 'exists';
      return { lines: lines([`slipway: cache ${record.key} exists: not saved again`], ctx) };
    }
  } catch (err) {
    record.saved = 'failed';
    return { lines: lines([`slipway: cache not saved: ${(err as Error).message}`], ctx) };
  }
  const max = ctx.deps.cacheMaxEntryBytes ?? DEFAULT_CACHE_LIMITS.maxEntryBytes;
  return {
    set: { name: CACHE_SET, paths: cache.paths, globs: false, raw: true, maxFileBytes: max, maxTotalBytes: max },
    lines: [],
  };
}

/** Saves what the collector took; the lines for the step's log. A problem is logged, never the step's. */
export async function saveCache(
  step: PlanStep,
  rec: StepRecord,
  set: CollectedSet | undefined,
  ctx: StepContext,
): Promise<LogLine[]> {
  const record = rec.cache;
  const scope = step.cache?.scope;
  const ref = step.cache?.ref;
  const store = ctx.deps.caches;
  if (!record || !scope || !ref || !store) return [];
  const max = ctx.deps.cacheMaxEntryBytes ?? DEFAULT_CACHE_LIMITS.maxEntryBytes;
  const say: string[] = (set?.missing ?? []).map((m) => `slipway: cache: nothing matches ${m}`);
  if (!set) {
    record.saved = 'failed';
    say.push('slipway: cache not saved: the files could not be taken from the workspace');
  } else if (set.tooBig.length > 0 || set.totalBytes > max) {
    record.saved = 'too-large';
    say.push(
      `slipway: cache not saved: ${formatBytes(set.totalBytes)} is more than the ${formatBytes(max)} ` +
        'a cache entry may be (SLIPWAY_CACHE_MAX_ENTRY_BYTES)',
    );
  } else if (!set.archive) {
    record.saved = 'nothing';
    say.push('slipway: cache not saved: its paths hold nothing');
  } else {
    try {
      const saved = await store.save(scope, ref, record.key, set.archive, ctx.now());
      record.saved = saved.kind;
      if (saved.kind === 'saved') {
        say.push(`slipway: cache saved ${record.key} (for ${ref}; ${formatBytes(set.archive.length)})`);
        if (saved.evicted.length > 0)
          say.push(
            'slipway: cache: removed the least recently used ' +
              `${saved.evicted.map((e) => `${e.key} (${e.ref})`).join(', ')} (SLIPWAY_CACHE_MAX_REPO_BYTES)`,
          );
      } else if (saved.kind === 'exists') {
        say.push(`slipway: cache ${record.key} exists: not saved again`);
      } else {
        say.push(
          `slipway: cache not saved: ${formatBytes(saved.size)} is more than the ${formatBytes(saved.limit)} ` +
            'a cache entry may be (SLIPWAY_CACHE_MAX_ENTRY_BYTES)',
        );
      }
    } catch (err) {
      record.saved = 'failed';
      say.push(`slipway: cache not saved: ${(err as Error).message}`);
    }
  }
  return lines(say, ctx);
}

function lines(texts: string[], ctx: StepContext): LogLine[] {
  const time = ctx.now();
  return texts.map((text) => ({ time, stream: 'stdout', text }));
}
