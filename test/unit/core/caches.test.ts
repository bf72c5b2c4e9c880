import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  hashFilesCalls,
  hashId,
  hashesKnown,
  resolveTemplate,
  templateProblems,
} from '../../../services/core/buildspec/cache-templates.js';
import { evictions, pickEntry, type CacheEntry } from '../../../services/core/caches/cache-rules.js';
import { compilePlan } from '../../../services/core/plan/compile-plan.js';
import { hashFilesScript, takeFileHashes } from '../../../services/core/plan/hash-files-script.js';
import type { BuildRequest } from '../../../services/core/builds/types.js';
import { lines, REQUEST, specParser } from './support.js';

const SPEC = lines(
  'test:',
  '  - name: install',
  '    image: node:20',
  '    commands: [npm ci]',
  '    cache:',
  "      key: deps-${{ hashFiles('package-lock.json', 'apps/*/package-lock.json') }}-${{ build.sha }}",
  '      paths: [node_modules, ./.cache/npm/]',
  '      restore_keys: [deps-]',
);

const issues = (text: string) => {
  const result = specParser()(text);
  return result.ok ? [] : result.issues.map((i) => [i.path, i.message, i.hint]);
};

const MASTER = 'refs/heads/master';
const entry = (key: string, size: number, createdAt: string, lastUsedAt = createdAt, ref = MASTER): CacheEntry => ({
  ref,
  key,
  size,
  createdAt,
  lastUsedAt,
});

describe('cache: in the spec', () => {
  it('accepts a cache with hashFiles, build and matrix expressions', () => {
    expect(issues(SPEC)).toEqual([]);
    expect(
      issues(
        lines(
          'test:',
          '  - name: unit',
          '    image: node:20',
          '    commands: [ls]',
          '    matrix: {axes: {node: [18, 20]}}',
          '    cache: {key: "n${{ matrix.node }}-${{ hashFiles(\'a.lock\') }}", paths: [x]}',
        ),
      ),
    ).toEqual([]);
  });

  it('refuses unknown expressions, bad globs and paths outside the workspace, each where it is written', () => {
    const text = lines(
      'test:',
      '  - name: unit',
      '    image: node:20',
      '    commands: [ls]',
      '    cache:',
      '      key: "deps-${{ github.sha }}-${{ hashFiles(package-lock.json) }}"',
      '      paths: [/root/.npm, ../up, .]',
      '      restore_keys: ["${{ matrix.os }}-", "${{ hashFiles(\'/etc/passwd\') }}"]',
    );
    expect(issues(text)).toEqual([
      [
        '/test/0/cache/key',
        '"${{ github.sha }}" is not an expression a cache key can use',
        "use ${{ hashFiles('GLOB', ...) }}, ${{ build.sha }} or ${{ matrix.AXIS }}",
      ],
      [
        '/test/0/cache/key',
        '"${{ hashFiles(package-lock.json) }}" is not an expression a cache key can use',
        "hashFiles takes quoted globs: hashFiles('package-lock.json', 'apps/*/package-lock.json')",
      ],
      [
        '/test/0/cache/paths/0',
        'cache path "/root/.npm" must be relative to the workspace',
        'write it as the step sees it from /workspace, e.g. node_modules',
      ],
      ['/test/0/cache/paths/1', 'cache path "../up" must stay inside the workspace: ".." is not allowed', undefined],
      ['/test/0/cache/paths/2', 'cache path "." names the whole workspace', 'name the files or directories to keep'],
      [
        '/test/0/cache/restore_keys/0',
        '"matrix.os" is not an axis of this step\'s matrix',
        'add a matrix with that axis',
      ],
      [
        '/test/0/cache/restore_keys/1',
        "hashFiles('/etc/passwd') must name files inside the workspace",
        "write a glob relative to the workspace, e.g. hashFiles('package-lock.json')",
      ],
    ]);
  });

  it('needs a key and paths', () => {
    const text = lines('test:', '  - {name: u, image: a, commands: [ls], cache: {paths: [x]}}');
    expect(issues(text).map((i) => i[0])).toEqual(['/test/0/cache']);
  });
});

describe('cache: in the plan', () => {
  const parsed = specParser()(SPEC);
  if (!parsed.ok) throw new Error('spec refused');

  it("is the repository's, under the build's ref, with build.sha filled in and hashFiles left for the executor", () => {
    const plan = compilePlan(parsed.spec, { ...REQUEST, defaultBranch: 'main' }, { gitImage: 'slipway/git:1' });
    expect(plan.stages[0]!.steps[0]!.cache).toEqual({
      key: `deps-\${{ hashFiles('package-lock.json', 'apps/*/package-lock.json') }}-${REQUEST.sha}`,
      restoreKeys: ['deps-'],
      paths: ['node_modules', '.cache/npm'],
      scope: 'octo-org/widget',
      ref: 'refs/heads/main',
      reads: ['refs/heads/main'],
    });
    expect(plan.checkout.script).toContain(`@@slipway hash `);
    expect(plan.checkout.script).toContain(hashId(['package-lock.json', 'apps/*/package-lock.json']));
  });

  it("lets a branch write its own ref's caches only, and read its own, then the default branch's", () => {
    const access = (request: Partial<BuildRequest>, spec = parsed.spec) => {
      const cache = compilePlan(spec, { ...REQUEST, ...request }, { gitImage: 'slipway/git:1' }).stages[0]!.steps[0]!
        .cache!;
      return { scope: cache.scope, ref: cache.ref, reads: cache.reads };
    };
    expect(access({ ref: 'refs/heads/feature/x', defaultBranch: 'trunk' })).toEqual({
      scope: 'octo-org/widget',
      ref: 'refs/heads/feature/x',
      reads: ['refs/heads/feature/x', 'refs/heads/trunk'],
    });
    // A same-repository pull request: its own, then the branch it merges into, then the default branch.
    expect(
      access({
        event: 'pull_request',
        ref: 'refs/pull/7/head',
        pullRequest: 7,
        baseRef: 'release',
        defaultBranch: 'trunk',
      }),
    ).toEqual({
      scope: 'octo-org/widget',
      ref: 'refs/pull/7/head',
      reads: ['refs/pull/7/head', 'refs/heads/release', 'refs/heads/trunk'],
    });
    expect(
      access({
        event: 'pull_request',
        ref: 'refs/pull/8/head',
        pullRequest: 8,
        baseRef: 'trunk',
        defaultBranch: 'trunk',
      }),
    ).toMatchObject({ reads: ['refs/pull/8/head', 'refs/heads/trunk'] });
    // Not told (a manual run, an older record): the staging environment's branch, else master.
    expect(access({ event: 'manual', ref: 'refs/heads/manual' })).toMatchObject({
      reads: ['refs/heads/manual', 'refs/heads/master'],
    });
    const staged = specParser()(
      lines(
        SPEC,
        'deploy:',
        '  environments:',
        '    staging:',
        '      branch: develop',
        '      steps: [{name: d, image: x, commands: [ls]}]',
      ),
    );
    if (!staged.ok) throw new Error('spec refused');
    expect(access({ event: 'manual', ref: 'refs/heads/manual' }, staged.spec)).toMatchObject({
      reads: ['refs/heads/manual', 'refs/heads/develop'],
    });
  });

  it('is refused to a pull request from a fork, whose checkout hashes nothing', () => {
    const plan = compilePlan(
      parsed.spec,
      { ...REQUEST, event: 'pull_request', fork: true, pullRequest: 7 },
      {
        gitImage: 'slipway/git:1',
      },
    );
    expect(plan.stages[0]!.steps[0]!.cache).toMatchObject({
      refused: "a pull request from a fork neither restores nor saves the repository's caches",
    });
    expect(plan.stages[0]!.steps[0]!.cache?.scope).toBeUndefined();
    expect(plan.checkout.script).not.toContain('@@slipway hash');
  });

  it("fills a matrix step's own combination into its key", () => {
    const text = lines(
      'test:',
      '  - name: unit',
      '    image: node:20',
      '    commands: [ls]',
      '    matrix: {axes: {node: [18, 20]}}',
      '    cache: {key: "n${{ matrix.node }}", paths: [x], restore_keys: ["n${{ matrix.node }}-"]}',
    );
    const result = specParser()(text);
    if (!result.ok) throw new Error('spec refused');
    const plan = compilePlan(result.spec, REQUEST, { gitImage: 'slipway/git:1' });
    expect(plan.stages[0]!.steps.map((s) => [s.cache?.key, s.cache?.restoreKeys])).toEqual([
      ['n18', ['n18-']],
      ['n20', ['n20-']],
    ]);
  });
});

describe('hashFiles', () => {
  it('finds the glob lists of a template and fills in their hashes (none matched: empty)', () => {
    const template = "a-${{ hashFiles('x.lock') }}-${{hashFiles(\"y/*.lock\", 'z')}}-${{ hashFiles('gone') }}";
    expect(hashFilesCalls(template)).toEqual([['x.lock'], ['y/*.lock', 'z'], ['gone']]);
    expect(resolveTemplate(template, { [hashId(['x.lock'])]: 'aaa', [hashId(['y/*.lock', 'z'])]: 'bbb' })).toBe(
      'a-aaa-bbb-',
    );
    expect(templateProblems(template, [])).toEqual([]);
  });

  it('is computed by the checkout: the same files give the same hash, a changed file another, none "-"', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-hash-'));
    mkdirSync(join(dir, 'apps/web'), { recursive: true });
    mkdirSync(join(dir, '.git'), { recursive: true });
    writeFileSync(join(dir, 'package-lock.json'), '{"v":1}\n');
    writeFileSync(join(dir, 'apps/web/package-lock.json'), '{"w":1}\n');
    writeFileSync(join(dir, '.git/package-lock.json'), 'not the workspace');
    const lists = [['package-lock.json', 'apps/*/package-lock.json'], ['**/package-lock.json'], ['none.lock']];
    const run = () => {
      const out = spawnSync('/bin/sh', ['-c', hashFilesScript(lists, '/workspace')], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, SLIPWAY_WORKSPACE: dir },
      });
      expect(out.stderr).toBe('');
      return takeFileHashes(
        out.stdout
          .trim()
          .split('\n')
          .map((text) => ({ time: 't', stream: 'stdout' as const, text })),
      );
    };
    const first = run();
    expect(first.log).toEqual([]);
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    const both = `${sha('{"w":1}\n')}\n${sha('{"v":1}\n')}\n`;
    expect(first.hashes).toEqual({
      [hashId(lists[0]!)]: sha(both),
      [hashId(lists[1]!)]: sha(both),
      [hashId(lists[2]!)]: '',
    });
    expect(run().hashes).toEqual(first.hashes);
    writeFileSync(join(dir, 'package-lock.json'), '{"v":2}\n');
    expect(run().hashes[hashId(lists[0]!)]).not.toBe(first.hashes[hashId(lists[0]!)]);
  });
});

describe('cache lookup and eviction', () => {
  const entries = [
    entry('deps-linux-aaa', 10, '2026-01-01T00:00:01Z'),
    entry('deps-linux-bbb', 10, '2026-01-01T00:00:03Z'),
    entry('deps-mac-ccc', 10, '2026-01-01T00:00:05Z'),
  ];

  it('takes the exact key first, then the newest entry of the first prefix that matches', () => {
    expect(pickEntry(entries, [MASTER], 'deps-linux-aaa', ['deps-'])).toEqual({ entry: entries[0], exact: true });
    expect(pickEntry(entries, [MASTER], 'deps-linux-new', ['deps-linux-', 'deps-'])).toEqual({
      entry: entries[1],
      exact: false,
      prefix: 'deps-linux-',
    });
    expect(pickEntry(entries, [MASTER], 'deps-win-new', ['deps-win-', 'deps-'])).toMatchObject({
      entry: entries[2],
      prefix: 'deps-',
    });
    expect(pickEntry(entries, [MASTER], 'x', ['', 'tools-'])).toBeUndefined();
  });

  it('searches ref by ref, key then prefixes in each, and never matches a ref not asked for', () => {
    const pr = 'refs/pull/3/head';
    const mixed = [
      ...entries,
      entry('deps-linux-ppp', 10, '2026-01-01T00:00:09Z', undefined, pr),
      entry('deps-win-zzz', 10, '2026-01-01T00:00:09Z', undefined, 'refs/heads/other'),
    ];
    // Its own prefix match before the next ref's exact key (GitHub's order).
    expect(pickEntry(mixed, [pr, MASTER], 'deps-linux-aaa', ['deps-linux-'])).toMatchObject({
      exact: false,
      entry: { ref: pr, key: 'deps-linux-ppp' },
    });
    expect(pickEntry(mixed, [pr, MASTER], 'deps-mac-ccc', ['deps-mac-'])).toMatchObject({
      exact: true,
      entry: { ref: MASTER, key: 'deps-mac-ccc' },
    });
    expect(pickEntry(mixed, [pr, MASTER], 'deps-win-zzz', ['deps-win-'])).toBeUndefined();
    expect(pickEntry(mixed, [], 'deps-linux-aaa', [])).toBeUndefined();
  });

  it('evicts least recently used first until the total of all refs fits, never the entry just saved', () => {
    const used = [
      entry('a', 40, '2026-01-01T00:00:01Z', '2026-01-01T00:00:09Z'),
      entry('b', 40, '2026-01-01T00:00:02Z', '2026-01-01T00:00:03Z', 'refs/heads/b'),
      entry('c', 40, '2026-01-01T00:00:04Z', '2026-01-01T00:00:04Z'),
      entry('new', 40, '2026-01-01T00:00:10Z', '2026-01-01T00:00:00Z'),
      // The same key under another ref is another entry, evicted on its own.
      entry('new', 40, '2026-01-01T00:00:11Z', '2026-01-01T00:00:01Z', 'refs/heads/b'),
    ];
    const keep = { ref: MASTER, key: 'new' };
    expect(evictions(used, 100, keep)).toEqual([
      { ref: 'refs/heads/b', key: 'new' },
      { ref: 'refs/heads/b', key: 'b' },
      { ref: MASTER, key: 'c' },
    ]);
    expect(evictions(used, 200, keep)).toEqual([]);
    expect(evictions(used, 10, keep).length).toBe(4);
  });

  it('tells a hashFiles whose value was never computed from one that matched no file', () => {
    const template = "deps-${{ hashFiles('x.lock') }}";
    expect(hashesKnown(template, { [hashId(['x.lock'])]: '' })).toBe(true);
    expect(hashesKnown(template, {})).toBe(false);
    expect(hashesKnown('plain-key', {})).toBe(true);
  });
});
