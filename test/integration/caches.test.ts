import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { writeTar } from '../../services/core/artifacts/tar.js';
import type { StepRecord } from '../../services/core/builds/record.js';
import { buildIdFor, buildObjectNames, serviceName } from '../../services/core/plan/naming.js';
import { SwarmBackend } from '../../services/executor/backend/swarm-backend.js';
import { FsCacheStore } from '../../services/shared/fs/fs-cache-store.js';
import { GitHubStandIn } from '../support/github-stand-in.js';
import {
  eventually,
  freshRedisUrl,
  startSlipway,
  testInstance,
  WEBHOOK_SECRET,
  type RunningSlipway,
} from '../support/slipway-harness.js';
import { pullRequestPayload, pushPayload, signedHeaders } from '../support/webhook-payloads.js';

const OWNER = 'acme';
const REPO = 'cachey';

/**
 * An "install" that is done only when node_modules is absent: it makes the directory with a
 * file naming the lock it was made from, an executable and a symbolic link to it (as npm's
 * `.bin` has), then every build runs the tool through the link.
 */
const SPEC = `test:
  - name: install
    image: slipway/busybox:1
    commands:
      - >-
        if [ -d node_modules ]; then echo "found modules of $(cat node_modules/made-from)";
        else mkdir -p node_modules/.bin node_modules/tool && cp package-lock.json node_modules/made-from &&
        printf '#!/bin/sh\\necho tool runs\\n' > node_modules/tool/cli.sh && chmod +x node_modules/tool/cli.sh &&
        ln -s ../tool/cli.sh node_modules/.bin/tool && echo installed; fi
      - node_modules/.bin/tool
    cache:
      key: deps-\${{ hashFiles('package-lock.json') }}
      paths: [node_modules]
      restore_keys: [deps-]
`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** What hashFiles gives for one file: the sha-256 of its sha-256 line. */
const hashOfOne = (content: string) => sha256(`${sha256(content)}\n`);

/**
 * Caches on the real (one-node) swarm with real Redis and git: the first build of a lock
 * file misses and saves, the second restores the directory (modes and links kept), a changed
 * lock file falls back to the restore key's prefix, a pull request of the repository reads
 * master's entries and saves under its own ref (never restored by master), and a pull request
 * from a fork neither sees the repository's cache nor leaves one.
 */
describe('step caches on the swarm', () => {
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  let n = 0;

  beforeAll(async () => {
    const redisUrl = await freshRedisUrl(13);
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    await standIn.createRepo(OWNER, REPO);
    const policy = join(mkdtempSync(join(tmpdir(), 'slipway-caches-policy-')), 'policy.json');
    // Forks run without a maintainer's approval here: what is tested is what they can read.
    writeFileSync(policy, JSON.stringify({ default: { runForksWithoutApproval: true } }));
    slipway = await startSlipway({ standIn, redisUrl, env: { SLIPWAY_POLICY_FILE: policy } });
  }, 60_000);

  afterAll(async () => {
    expect(standIn?.violations ?? []).toEqual([]);
    await slipway?.close();
    await standIn?.stop();
  });

  async function deliver(event: string, payload: unknown): Promise<string> {
    const body = JSON.stringify(payload);
    const res = await fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders(event, body, WEBHOOK_SECRET, `caches-${++n}`),
      body,
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { build: string }).build;
  }

  async function push(lock: string): Promise<{ sha: string; build: string }> {
    const sha = await standIn.commit(OWNER, REPO, 'master', {
      '.buildspec.yml': SPEC,
      'package-lock.json': lock,
      'n.txt': String(n),
    });
    const build = await deliver(
      'push',
      pushPayload({
        owner: OWNER,
        repo: REPO,
        cloneUrl: `https://github.com/${OWNER}/${REPO}.git`,
        branch: 'master',
        before: '1'.repeat(40),
        after: sha,
      }),
    );
    return { sha, build };
  }

  /** The install step once its build ended, and its log. */
  async function ended(sha: string, build: string): Promise<{ step: StepRecord; log: string[] }> {
    const status = await eventually(
      'the test stage to end',
      () => {
        const s = standIn.latestStatus(OWNER, REPO, sha, 'slipway/test');
        return s && s.state !== 'pending' ? s : undefined;
      },
      60_000,
    );
    expect(status.state).toBe('success');
    const record = (await slipway.builds.get(build))!;
    return {
      step: record.stages[0]!.steps[0]!,
      log: (await slipway.logs.read(build, 'install')).map((l) => l.text),
    };
  }

  it('misses and saves, restores for an unchanged lock file, falls back to a prefix for a new one', async () => {
    const first = await push('{"lock": 1}\n');
    const one = await ended(first.sha, first.build);
    const key = `deps-${hashOfOne('{"lock": 1}\n')}`;
    expect(one.step.cache).toEqual({ key, saved: 'saved' });
    expect(one.log).toEqual(
      expect.arrayContaining([
        `slipway: cache miss ${key}`,
        'installed',
        'tool runs',
        expect.stringMatching(`^slipway: cache saved ${key} \\(`),
      ]),
    );

    // Another commit, the same lock file: the directory is there before the step, link and modes intact.
    const second = await push('{"lock": 1}\n');
    const two = await ended(second.sha, second.build);
    expect(two.step.cache).toEqual({ key, restored: { key, ref: 'refs/heads/master' }, saved: 'exists' });
    expect(two.log).toEqual(
      expect.arrayContaining([
        expect.stringMatching(`^slipway: cache hit ${key} \\(from refs/heads/master; `),
        'found modules of {"lock": 1}',
        'tool runs',
        `slipway: cache ${key} was restored by its key: not saved again`,
      ]),
    );
    expect(two.log).not.toContain('installed');

    // A changed lock file: the newest entry with the prefix, then saved under the new key.
    const third = await push('{"lock": 2}\n');
    const three = await ended(third.sha, third.build);
    const changed = `deps-${hashOfOne('{"lock": 2}\n')}`;
    expect(three.step.cache).toEqual({
      key: changed,
      restored: { key, prefix: 'deps-', ref: 'refs/heads/master' },
      saved: 'saved',
    });
    expect(three.log).toEqual(
      expect.arrayContaining([
        expect.stringMatching(`^slipway: cache restored from ${key} \\(prefix deps-; from refs/heads/master; `),
        'found modules of {"lock": 1}',
        expect.stringMatching(`^slipway: cache saved ${changed} \\(`),
      ]),
    );
    const store = new FsCacheStore(slipway.config.cacheDir);
    expect((await store.list(`${OWNER}/${REPO}`)).map((e) => e.key)).toEqual([changed, key]);
  }, 150_000);

  it("lets a pull request restore master's cache and save its own, which master's builds never restore", async () => {
    const store = new FsCacheStore(slipway.config.cacheDir);
    const masters = (await store.list(`${OWNER}/${REPO}`)).filter((e) => e.ref === 'refs/heads/master');
    expect(masters.length).toBeGreaterThan(0);
    const sha = await standIn.commit(OWNER, REPO, 'feature', {
      '.buildspec.yml': SPEC,
      'package-lock.json': '{"lock": "pr"}\n',
    });
    const build = await deliver(
      'pull_request',
      pullRequestPayload({ owner: OWNER, repo: REPO, number: 31, headSha: sha, baseRef: 'master' }),
    );
    const pr = await ended(sha, build);
    const planted = `deps-${hashOfOne('{"lock": "pr"}\n')}`;
    expect(pr.step.cache).toEqual({
      key: planted,
      restored: { key: masters[0]!.key, prefix: 'deps-', ref: 'refs/heads/master' },
      saved: 'saved',
    });
    expect(pr.log).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          `^slipway: cache restored from ${masters[0]!.key} \\(prefix deps-; from refs/heads/master; `,
        ),
        expect.stringMatching(`^slipway: cache saved ${planted} \\(for refs/pull/31/head; `),
      ]),
    );

    // master with the pull request's lock file: the pull request's entry has that very key, master never sees it.
    const { sha: next, build: pushed } = await push('{"lock": "pr"}\n');
    const master = await ended(next, pushed);
    expect(master.step.cache).toEqual({
      key: planted,
      restored: { key: masters[0]!.key, prefix: 'deps-', ref: 'refs/heads/master' },
      saved: 'saved',
    });
    expect(master.log.filter((l) => l.startsWith('slipway: cache hit'))).toEqual([]);
    expect((await store.list(`${OWNER}/${REPO}`)).filter((e) => e.key === planted).map((e) => e.ref)).toEqual([
      'refs/heads/master',
      'refs/pull/31/head',
    ]);
  }, 120_000);

  it("does not let a pull request from a fork read the repository's cache, nor write one", async () => {
    const store = new FsCacheStore(slipway.config.cacheDir);
    const before = await store.list(`${OWNER}/${REPO}`);
    // The lock file of an entry that exists, on a fork's branch.
    const sha = await standIn.commit(OWNER, REPO, 'from-fork', {
      '.buildspec.yml': SPEC,
      'package-lock.json': '{"lock": 1}\n',
    });
    const build = await deliver(
      'pull_request',
      pullRequestPayload({ owner: OWNER, repo: REPO, headSha: sha, baseRef: 'master', headRepo: 'mallory/cachey' }),
    );
    const fork = await ended(sha, build);
    expect((await slipway.builds.get(build))!.request.fork).toBe(true);
    expect(fork.log).toEqual(
      expect.arrayContaining([
        "slipway: cache not used: a pull request from a fork neither restores nor saves the repository's caches",
        'installed',
        'tool runs',
      ]),
    );
    expect(fork.log.filter((l) => /^found modules|^slipway: cache (hit|saved|restored)/.test(l))).toEqual([]);
    expect(fork.step.cache?.off).toBeDefined();
    expect(await store.list(`${OWNER}/${REPO}`)).toEqual(before);
  }, 90_000);

  it("puts a cache entry (modes, links) and earlier artifacts (the restore job) in a step's workspace", async () => {
    const backend = new SwarmBackend(new Docker(), { instance: testInstance('caches-backend') });
    const buildId = buildIdFor(randomUUID());
    const build = { buildId, ...buildObjectNames(buildId) };
    const dir = mkdtempSync(join(tmpdir(), 'slipway-cache-entry-'));
    mkdirSync(join(dir, 'tools'));
    writeFileSync(join(dir, 'tools/run.sh'), '#!/bin/sh\necho the tool ran\n');
    chmodSync(join(dir, 'tools/run.sh'), 0o755);
    symlinkSync('run.sh', join(dir, 'tools/tool'));
    const archive = execFileSync('tar', ['cf', '-', '-C', dir, 'tools']);
    await backend.setupBuild(build, {});
    try {
      const images = await backend.resolveImages(['slipway/busybox:1', 'slipway/git:1']);
      const name = serviceName(buildId, 'read', 1);
      const handle = await backend.startStep({
        build,
        key: 'read',
        attempt: 1,
        name,
        image: images['slipway/busybox:1']!,
        script: 'cat dist/app.txt && tools/tool && [ -L tools/tool ] && echo linked',
        env: {},
        secrets: [],
        resources: {},
        placement: [],
        inputs: {
          steps: ['build'],
          open: async () => writeTar([{ path: 'dist/app.txt', bytes: Buffer.from('artifact restored\n') }]),
          image: images['slipway/git:1']!,
          schedulingTimeoutMs: 20_000,
        },
        restore: { archive, image: images['slipway/git:1']!, schedulingTimeoutMs: 20_000 },
      });
      expect(handle.restoreProblem).toBeUndefined();
      expect(await backend.waitStep(handle, { schedulingTimeoutMs: 20_000, timeoutMs: 30_000 })).toEqual({
        kind: 'success',
      });
      expect((await backend.readLog(handle)).map((l) => l.text)).toEqual([
        'artifact restored',
        'the tool ran',
        'linked',
      ]);
      await backend.removeStep(handle);
    } finally {
      await backend.teardownBuild(buildId);
    }
  }, 60_000);
  it('runs the step without the cache when the image that would mount its workspace is not on the node', async () => {
    const backend = new SwarmBackend(new Docker(), { instance: testInstance('caches-backend') });
    const buildId = buildIdFor(randomUUID());
    const build = { buildId, ...buildObjectNames(buildId) };
    const dir = mkdtempSync(join(tmpdir(), 'slipway-cache-entry-'));
    writeFileSync(join(dir, 'cached.txt'), 'from the cache\n');
    const archive = execFileSync('tar', ['cf', '-', '-C', dir, 'cached.txt']);
    await backend.setupBuild(build, {});
    try {
      const images = await backend.resolveImages(['slipway/busybox:1']);
      const name = serviceName(buildId, 'absent', 1);
      const handle = await backend.startStep({
        build,
        key: 'absent',
        attempt: 1,
        name,
        image: images['slipway/busybox:1']!,
        script: '[ ! -e cached.txt ] && echo ran without the cache',
        env: {},
        secrets: [],
        resources: {},
        placement: [],
        // Removed since the checkout, say: no engine has an image of this name.
        restore: { archive, image: `slipway/no-such-image:${randomUUID().slice(0, 8)}`, schedulingTimeoutMs: 20_000 },
      });
      expect(handle.restoreProblem).toMatch(/is not on this node/);
      expect(await backend.waitStep(handle, { schedulingTimeoutMs: 20_000, timeoutMs: 30_000 })).toEqual({
        kind: 'success',
      });
      expect((await backend.readLog(handle)).map((l) => l.text)).toEqual(['ran without the cache']);
      await backend.removeStep(handle);
    } finally {
      await backend.teardownBuild(buildId);
    }
  }, 60_000);
});
