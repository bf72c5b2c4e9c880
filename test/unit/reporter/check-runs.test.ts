import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BuildRecord } from '../../../services/core/builds/record.js';
import { processChecks, type CheckReporterDeps } from '../../../services/reporter/process-checks.js';
import { createGitHub } from '../../../services/shared/github.js';
import { MemoryBuildStore } from '../../../services/shared/memory/memory-build-store.js';
import { MemoryCheckLedger } from '../../../services/shared/memory/memory-check-ledger.js';
import { MemoryLogStore } from '../../../services/shared/memory/memory-log-store.js';
import type { StatusJob } from '../../../services/shared/queues.js';
import { appKeys } from '../../support/github-app-keys.js';
import { GitHubStandIn, lostAnswer } from '../../support/github-stand-in.js';

const OWNER = 'acme';
const REPO = 'checks';

/** The check reporter on memory ports, posting through the real client as an App installation to the stand-in. */
describe('the check reporter', () => {
  let standIn: GitHubStandIn;
  let sha: string;
  let deps: CheckReporterDeps & { builds: MemoryBuildStore; logs: MemoryLogStore };

  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1', token: 'not-for-slipway' });
    const keys = appKeys();
    standIn.registerApp('901', keys.publicKey, 31, [`${OWNER}/${REPO}`]);
    await standIn.createRepo(OWNER, REPO);
    sha = await standIn.commit(OWNER, REPO, 'master', { 'README.md': 'hi\n' });
    const github = createGitHub(standIn.apiUrl, { appId: '901', privateKey: keys.privateKey, installationId: 31 });
    deps = {
      github,
      ledger: new MemoryCheckLedger(),
      builds: new MemoryBuildStore(),
      logs: new MemoryLogStore(),
      publicUrl: 'http://slipway.test',
      replica: 'r1',
    };
  });

  afterAll(async () => {
    expect(standIn.violations).toEqual([]);
    await standIn?.stop();
  });

  const job = (buildId: string, context: string, state: StatusJob['status']['state'] = 'pending'): StatusJob => ({
    buildId,
    owner: OWNER,
    repo: REPO,
    sha,
    seq: 0,
    status: { context, state, description: 'x', target_url: 'http://slipway.test/builds/' + buildId },
  });

  const record = (id: string, stages: BuildRecord['stages'], extra: Partial<BuildRecord> = {}): BuildRecord => ({
    id,
    request: {
      id: `req-${id}`,
      event: 'pull_request',
      repo: { owner: OWNER, name: REPO },
      sha,
      ref: 'refs/pull/1/head',
      cloneUrl: 'x',
      sender: 'octocat',
      pullRequest: 1,
    },
    state: 'running',
    createdAt: '2026-12-02T06:00:00.000Z',
    stages,
    ...extra,
  });

  it('creates a run per stage once, moves it queued → in_progress → completed, posts nothing unchanged', async () => {
    const step = { key: 'unit', name: 'unit', image: 'busybox' };
    const r = record('b1', [
      { name: 'test', state: 'queued', steps: [{ ...step, state: 'queued' }] },
      { name: 'e2e', state: 'queued', steps: [] },
    ]);
    await deps.builds.put(r);
    expect((await processChecks(job('b1', 'slipway/test'), deps)).posted).toBe(2);
    expect((await processChecks(job('b1', 'slipway/test'), deps)).posted).toBe(0);
    r.stages[0]!.state = 'running';
    r.stages[0]!.steps[0]!.state = 'running';
    await deps.builds.put(r);
    expect((await processChecks(job('b1', 'slipway/test'), deps)).posted).toBe(1);
    r.stages[0]!.state = 'failure';
    r.stages[0]!.steps[0] = { ...step, state: 'failure', exitCode: 3 };
    r.stages[1]!.state = 'skipped';
    r.stages[1]!.description = 'not run: test failed';
    await deps.builds.put(r);
    await deps.logs.replace('b1', 'unit', [
      { time: '2026-12-02T06:00:01Z', stream: 'stdout', text: 'expected 2, got 3' },
    ]);
    await processChecks(job('b1', 'slipway/test', 'failure'), deps);
    const runs = standIn.checkRuns(OWNER, REPO, sha).filter((c) => c.external_id === 'b1');
    expect(runs.map((c) => [c.name, c.history])).toEqual([
      ['slipway/test', ['queued', 'in_progress', 'completed/failure']],
      ['slipway/e2e', ['queued', 'completed/skipped']],
    ]);
    expect(runs[0]!.output.summary).toContain('expected 2, got 3');
    expect(runs[0]!.installationId).toBe(31);
    expect(new Set(runs.map((c) => c.suiteId)).size).toBe(1);
    expect(runs[0]!.details_url).toBe('http://slipway.test/builds/b1');
  });

  it('sends a broken spec’s 120 annotations 50 per request, each once', async () => {
    const issues = Array.from({ length: 120 }, (_, i) => ({
      path: `/test/${i}`,
      line: i + 1,
      column: 3,
      message: `bad ${i}`,
    }));
    await deps.builds.put(record('b2', [], { state: 'failure', specIssues: issues }));
    expect((await processChecks(job('b2', 'slipway/spec', 'failure'), deps)).posted).toBe(3);
    expect((await processChecks(job('b2', 'slipway/spec', 'failure'), deps)).posted).toBe(0);
    const [spec] = standIn.checkRuns(OWNER, REPO, sha).filter((c) => c.external_id === 'b2');
    expect(spec!.annotations).toHaveLength(120);
    expect(spec!.annotations[7]).toMatchObject({ path: '.buildspec.yml', start_line: 8, start_column: 3 });
    expect(spec!.conclusion).toBe('failure');
  });

  it('sends the 120 annotations a step wrote to $SLIPWAY_ANNOTATIONS 50 a request, with test failures', async () => {
    const annotations = Array.from({ length: 120 }, (_, i) => ({
      path: 'src/app.ts',
      start_line: i + 1,
      end_line: i + 1,
      annotation_level: 'warning' as const,
      message: `lint ${i}`,
    }));
    const tests = {
      counts: { total: 1, passed: 0, failed: 1, errored: 0, skipped: 0 },
      timeMs: 0,
      failures: [{ suite: 's', name: 't', status: 'failed' as const, message: 'boom' }],
      slowest: [],
      annotations: [{ file: 'src/app.test.ts', line: 3, title: 's › t', message: 'boom', status: 'failed' as const }],
      unreadable: [],
    };
    const step = { key: 'lint', name: 'lint', image: 'busybox', state: 'failure' as const, exitCode: 1 };
    await deps.builds.put(
      record('b6', [{ name: 'test', state: 'failure', steps: [{ ...step, annotations, tests }] }], {
        state: 'failure',
      }),
    );
    expect((await processChecks(job('b6', 'slipway/test', 'failure'), deps)).posted).toBe(3);
    const [run] = standIn.checkRuns(OWNER, REPO, sha).filter((c) => c.external_id === 'b6');
    expect(run!.annotations).toHaveLength(121);
    expect(run!.annotations[0]).toMatchObject({ path: 'src/app.test.ts', start_line: 3, annotation_level: 'failure' });
    expect(run!.annotations[120]).toMatchObject({ path: 'src/app.ts', start_line: 120, message: 'lint 119' });
  });

  it('a run GitHub made whose answer was lost is found on the job retry: one run, its annotations once', async () => {
    const issues = Array.from({ length: 10 }, (_, i) => ({
      path: `/test/${i}`,
      line: i + 1,
      column: 1,
      message: `x${i}`,
    }));
    await deps.builds.put(record('b6-lost', [], { state: 'failure', specIssues: issues }));
    standIn.failNext(1, lostAnswer(502), 'checks/create');
    await expect(processChecks(job('b6-lost', 'slipway/spec', 'failure'), deps)).rejects.toMatchObject({
      status: 502,
      retryable: true,
    });
    await processChecks(job('b6-lost', 'slipway/spec', 'failure'), deps);
    const runs = standIn.checkRuns(OWNER, REPO, sha).filter((c) => c.external_id === 'b6-lost');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.annotations).toHaveLength(10);
    expect(runs[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  it('a check about the commit (slipway/up-to-date) becomes a run beside its status', async () => {
    await processChecks(job('b3', 'slipway/up-to-date', 'failure'), deps);
    const [run] = standIn.checkRuns(OWNER, REPO, sha).filter((c) => c.name === 'slipway/up-to-date');
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  it('another replica posting the same run makes this job wait its turn, and posts nothing twice', async () => {
    await deps.builds.put(record('b4', [{ name: 'test', state: 'queued', steps: [] }]));
    await deps.ledger.claim({ buildId: 'b4', sha, name: 'slipway/test' }, 'r2', 60_000);
    await expect(processChecks(job('b4', 'slipway/test'), deps)).rejects.toMatchObject({ code: 'check-run-busy' });
    await deps.ledger.release({ buildId: 'b4', sha, name: 'slipway/test' }, 'r2');
    await processChecks(job('b4', 'slipway/test'), deps);
    expect(standIn.checkRuns(OWNER, REPO, sha).filter((c) => c.external_id === 'b4')).toHaveLength(1);
  });

  it('a token (no App) cannot create check runs: GitHub says why', async () => {
    const tokenOnly = createGitHub(standIn.apiUrl, { token: 'not-for-slipway' }, undefined, { retries: 0 });
    await deps.builds.put(record('b5', [{ name: 'test', state: 'queued', steps: [] }]));
    await expect(processChecks(job('b5', 'slipway/test'), { ...deps, github: tokenOnly })).rejects.toMatchObject({
      code: 'github-forbidden',
    });
  });
});
