import { describe, expect, it } from '@jest/globals';
import { recordForPlan } from '../../../services/core/builds/record-for-plan.js';
import type { BuildRequest } from '../../../services/core/builds/types.js';
import { compilePlan, WORKSPACE } from '../../../services/core/plan/compile-plan.js';
import { hashFilesScript } from '../../../services/core/plan/hash-files-script.js';
import type { Plan } from '../../../services/core/plan/types.js';
import { FakeBackend } from '../../../services/executor/backend/fake-backend.js';
import { runBuild } from '../../../services/executor/run-build.js';
import { MemoryCacheStore } from '../../../services/shared/memory/memory-cache-store.js';
import { memoryState } from '../../../services/shared/memory/memory-state.js';
import type { CacheStore } from '../../../services/shared/ports/cache-store.js';
import { lines, specParser } from '../core/support.js';
import { runtimeFor } from './runtime-fixtures.js';

/** An "install" that makes node_modules only when it is not there, and says which it did. */
const SPEC = lines(
  'test:',
  '  - name: install',
  '    image: slipway/busybox:1',
  '    commands:',
  '      - >-',
  '        if [ -d node_modules ]; then echo "found $(cat node_modules/made-from)";',
  '        else mkdir node_modules && cp package-lock.json node_modules/made-from && echo installed; fi',
  '    cache:',
  "      key: deps-${{ hashFiles('package-lock.json') }}",
  '      paths: [node_modules]',
  '      restore_keys: [deps-]',
);

let n = 0;
function planFor(lock: string, request: Partial<BuildRequest> = {}): Plan {
  const parsed = specParser()(SPEC);
  if (!parsed.ok) throw new Error('spec refused');
  return compilePlan(
    parsed.spec,
    {
      id: `cache-${Date.now()}-${++n}`,
      event: 'push',
      repo: { owner: 'acme', name: 'app' },
      sha: 'a'.repeat(40),
      ref: 'refs/heads/master',
      cloneUrl: 'x',
      sender: 'octocat',
      ...request,
    },
    { gitImage: 'slipway/git:1' },
  );
}

/** Runs the plan on the fake backend; its checkout writes the lock file, then hashes as the real one does. */
async function run(plan: Plan, caches: CacheStore, backend: FakeBackend, lock: string, max?: number) {
  const { deps, state } = runtimeFor(
    plan,
    { caches, ...(max !== undefined ? { cacheMaxEntryBytes: max } : {}) },
    { backend, state: memoryState() },
  );
  const hashes = plan.request.fork ? '' : `\n${hashFilesScript([['package-lock.json']], WORKSPACE)}`;
  plan.checkout = { ...plan.checkout, script: `printf '%s\\n' '${lock}' > package-lock.json${hashes}` };
  await state.builds.create(recordForPlan(plan, 'now'));
  const result = await runBuild(plan, deps);
  const record = (await state.builds.get(plan.buildId))!;
  const log = (await state.logs.read(plan.buildId, 'install')).map((l) => l.text);
  return { result, record, step: record.stages[0]!.steps[0]!, log };
}

describe('a step’s cache', () => {
  it("keeps the step's log in time order: the how-to-run lines, the cache's, the step's, what was saved", async () => {
    const plan = planFor('v1');
    const { deps, state } = runtimeFor(
      plan,
      { caches: new MemoryCacheStore(), reproduceLines: true },
      { backend: new FakeBackend(), state: memoryState() },
    );
    plan.checkout = {
      ...plan.checkout,
      script: `printf 'v1\\n' > package-lock.json\n${hashFilesScript([['package-lock.json']], WORKSPACE)}`,
    };
    await state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, deps)).toBe('success');
    const log = await state.logs.read(plan.buildId, 'install');
    expect(log[0]!.text).toMatch(/to run this step on your machine/);
    expect(log.map((l) => l.text)).toEqual(expect.arrayContaining([expect.stringMatching(/^slipway: cache saved /)]));
    const times = log.map((l) => l.time);
    expect(times).toEqual([...times].sort());
  });

  it('misses and saves, then restores by its key, then falls back to a restore key when the lock changes', async () => {
    const caches = new MemoryCacheStore();
    const backend = new FakeBackend();
    const first = await run(planFor('v1'), caches, backend, 'v1');
    expect(first.result).toBe('success');
    const key = first.step.cache!.key;
    expect(key).toMatch(/^deps-[0-9a-f]{64}$/);
    expect(first.log).toEqual(
      expect.arrayContaining([
        `slipway: cache miss ${key}`,
        'installed',
        expect.stringMatching(`^slipway: cache saved ${key} \\(`),
      ]),
    );
    expect(first.step.cache).toEqual({ key, saved: 'saved' });
    // The hash lines are the checkout's business: on its record, not in its log.
    expect(Object.values(first.record.checkout!.fileHashes ?? {})).toEqual([key.slice(5)]);

    const second = await run(planFor('v1'), caches, backend, 'v1');
    expect(second.step.cache).toEqual({ key, restored: { key, ref: 'refs/heads/master' }, saved: 'exists' });
    expect(second.log).toEqual(
      expect.arrayContaining([
        expect.stringMatching(`^slipway: cache hit ${key} \\(`),
        'found v1',
        `slipway: cache ${key} was restored by its key: not saved again`,
      ]),
    );

    const third = await run(planFor('v2'), caches, backend, 'v2');
    const changed = third.step.cache!.key;
    expect(changed).not.toBe(key);
    expect(third.step.cache).toEqual({
      key: changed,
      restored: { key, prefix: 'deps-', ref: 'refs/heads/master' },
      saved: 'saved',
    });
    expect(third.log).toEqual(
      expect.arrayContaining([
        expect.stringMatching(`^slipway: cache restored from ${key} \\(prefix deps-; from refs/heads/master; `),
        'found v1',
        expect.stringMatching(`^slipway: cache saved ${changed}`),
      ]),
    );
    expect((await caches.list('acme/app')).map((e) => e.key)).toEqual([changed, key]);
  });

  it("is written only under the build's own ref: a pull request's entry is never restored by master", async () => {
    const caches = new MemoryCacheStore();
    const backend = new FakeBackend();
    const pr = (n: number, lock: string) =>
      planFor(lock, {
        event: 'pull_request',
        ref: `refs/pull/${n}/head`,
        pullRequest: n,
        baseRef: 'release',
        defaultBranch: 'master',
      });
    // A pull request saves what master's next build must not run: under its own ref.
    const planted = await run(pr(5, 'v1'), caches, backend, 'v1');
    const key = planted.step.cache!.key;
    expect(planted.step.cache).toEqual({ key, saved: 'saved' });
    expect(planted.log).toEqual(
      expect.arrayContaining([expect.stringMatching(`^slipway: cache saved ${key} \\(for refs/pull/5/head; `)]),
    );

    const master = await run(planFor('v1', { defaultBranch: 'master' }), caches, backend, 'v1');
    expect(master.log).toEqual(expect.arrayContaining([`slipway: cache miss ${key}`, 'installed']));
    expect(master.step.cache).toEqual({ key, saved: 'saved' });

    // Another pull request: nothing of its own nor of its base branch, so the default branch's, by prefix.
    const next = await run(pr(6, 'v2'), caches, backend, 'v2');
    const changed = next.step.cache!.key;
    expect(next.log).toEqual(
      expect.arrayContaining([
        expect.stringMatching(`^slipway: cache restored from ${key} \\(prefix deps-; from refs/heads/master; `),
        'found v1',
      ]),
    );
    expect(next.step.cache).toEqual({
      key: changed,
      restored: { key, prefix: 'deps-', ref: 'refs/heads/master' },
      saved: 'saved',
    });
    // The base branch's own entry comes before the default branch's.
    const release = await run(
      planFor('v3', { ref: 'refs/heads/release', defaultBranch: 'master' }),
      caches,
      backend,
      'v3',
    );
    const based = await run(pr(7, 'v4'), caches, backend, 'v4');
    expect(based.step.cache?.restored).toEqual({
      key: release.step.cache!.key,
      prefix: 'deps-',
      ref: 'refs/heads/release',
    });

    expect((await caches.list('acme/app')).map((e) => [e.ref, e.key])).toEqual([
      ['refs/pull/7/head', based.step.cache!.key],
      ['refs/heads/release', release.step.cache!.key],
      ['refs/pull/6/head', changed],
      ['refs/heads/master', key],
      ['refs/pull/5/head', key],
    ]);
  });

  it('is neither read nor written by a pull request from a fork', async () => {
    const caches = new MemoryCacheStore();
    const backend = new FakeBackend();
    await run(planFor('v1'), caches, backend, 'v1');
    const fork = await run(
      planFor('v1', { event: 'pull_request', fork: true, pullRequest: 4, ref: 'refs/pull/4/head' }),
      caches,
      backend,
      'v1',
    );
    expect(fork.result).toBe('success');
    expect(fork.log).toEqual(
      expect.arrayContaining([
        "slipway: cache not used: a pull request from a fork neither restores nor saves the repository's caches",
        'installed',
      ]),
    );
    expect(fork.log.join('\n')).not.toMatch(/cache (hit|saved|restored)/);
    expect((await caches.list('acme/app')).length).toBe(1);
  });

  it('never fails a step that passed: a store that breaks and an entry over the limit are logged', async () => {
    const broken: CacheStore = Object.assign(new MemoryCacheStore(), {
      lookup: async () => {
        throw new Error('disk on fire');
      },
      save: async () => {
        throw new Error('disk still on fire');
      },
    });
    const burnt = await run(planFor('v1'), broken, new FakeBackend(), 'v1');
    expect(burnt.result).toBe('success');
    expect(burnt.log).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^slipway: cache miss deps-\w+: the cache could not be read \(disk on fire\)$/),
        'slipway: cache not saved: disk still on fire',
      ]),
    );
    expect(burnt.step.cache?.saved).toBe('failed');

    const small = new MemoryCacheStore();
    const big = await run(planFor('v1'), small, new FakeBackend(), 'v1', 2);
    expect(big.result).toBe('success');
    expect(big.log).toContain(
      'slipway: cache not saved: 3 bytes is more than the 2 bytes a cache entry may be (SLIPWAY_CACHE_MAX_ENTRY_BYTES)',
    );
    expect(await small.list('acme/app')).toEqual([]);
  });
});
