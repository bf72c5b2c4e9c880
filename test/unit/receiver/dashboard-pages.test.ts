import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BuildRecord } from '../../../services/core/builds/record.js';
import { recordForPlan } from '../../../services/core/builds/record-for-plan.js';
import { pageOf, parseListQuery } from '../../../services/receiver/pages/build-list-query.js';
import { stepToOpen } from '../../../services/receiver/pages/build-stages.js';
import { formatAge, formatDuration } from '../../../services/receiver/pages/format-time.js';
import { specReport } from '../../../services/receiver/pages/spec-report.js';
import { buildOutputs } from '../../../services/receiver/pages/build-outputs.js';
import { GitHubStandIn } from '../../support/github-stand-in.js';
import { startIdentityApp, type IdentityApp } from '../../support/identity-app.js';
import { planOf, step } from '../../support/plan-fixtures.js';

const GITHUB_TOKEN = 'dashboard-github-token';

/** A finished build of acme/exec with one failing step (and one allowed to fail), made at minute `i`. */
function record(i: number, extra: Partial<BuildRecord> = {}, ref = 'refs/heads/main'): BuildRecord {
  const plan = planOf('https://github.com/acme/exec.git', String(i).padStart(40, 'a'), [
    { name: 'test', steps: [step('lint', ['true'], { allowFailure: true }), step('unit', ['false'])] },
  ]);
  const at = new Date(Date.UTC(2026, 11, 2, 6, i)).toISOString();
  const r = recordForPlan({ ...plan, request: { ...plan.request, ref, private: true, subject: `change ${i}` } }, at);
  return { ...r, ...extra };
}

describe('the build list: filters and pages (pure)', () => {
  const builds = Array.from({ length: 60 }, (_, i) =>
    record(60 - i, { state: i % 3 === 0 ? 'failure' : 'success' }, i % 2 ? 'refs/heads/main' : 'refs/heads/dev'),
  );

  it('pages through the builds that pass the filters, newest first, each once', () => {
    const query = parseListQuery({ state: 'failure', branch: 'dev' });
    const seen: string[] = [];
    let after = '';
    for (let guard = 0; guard < 10; guard++) {
      const page = pageOf(builds, { ...query, after }, 4);
      seen.push(...page.builds.map((b) => b.id));
      expect(page.builds.every((b) => b.state === 'failure' && b.request.ref === 'refs/heads/dev')).toBe(true);
      if (!page.next) break;
      after = page.next;
    }
    const expected = builds.filter((b, i) => i % 3 === 0 && i % 2 === 0).map((b) => b.id);
    expect(seen).toEqual(expected);
    expect(expected).toHaveLength(10);
  });

  it('ignores what is not a filter, and starts over for a cursor naming no build', () => {
    const query = parseListQuery({ state: ['a', 'b'], repo: 'x'.repeat(300), after: 'bnothing' });
    expect(query).toEqual({ repo: '', branch: '', state: '', trigger: '', after: 'bnothing' });
    expect(pageOf(builds, query, 5).builds.map((b) => b.id)).toEqual(builds.slice(0, 5).map((b) => b.id));
  });
});

describe('the build page’s parts (pure)', () => {
  it('opens the failing step that was not allowed to fail first', () => {
    const b = record(1, { state: 'failure' });
    b.stages[0]!.steps[0]!.state = 'failure';
    b.stages[0]!.steps[1]!.state = 'failure';
    expect(stepToOpen(b)?.key).toBe('unit');
    expect(stepToOpen(b, 'lint')?.key).toBe('lint');
    b.stages[0]!.steps[1]!.state = 'running';
    expect(stepToOpen(b)?.key).toBe('lint');
    b.stages[0]!.steps[0]!.state = 'success';
    expect(stepToOpen(b)?.key).toBe('unit');
  });

  it('shows a spec problem against its own line, with a caret under the column', () => {
    const source = 'test:\n  - name: unit\n    imag: busybox\n    commands: [true]\n';
    const html = specReport(
      [{ path: '/test/0', line: 3, column: 5, message: 'unknown key "imag"', hint: 'image?' }],
      source,
    );
    expect(html).toContain('<code class="place">.buildspec.yml:3:5</code>');
    expect(html).toContain('<mark>3 |     imag: busybox</mark>');
    expect(html).toContain(`<span class="caret">${' '.repeat(8)}^</span>`);
    expect(html).toContain('1 problem in .buildspec.yml');
  });

  it("shows a step's test results (counts, failures with message and place, slowest) and the build's artifacts", () => {
    const b = record(1, { state: 'failure' });
    b.stages[0]!.steps[0]!.tests = {
      counts: { total: 2, passed: 1, failed: 1, errored: 0, skipped: 0 },
      timeMs: 1250,
      failures: [
        {
          suite: 'cart',
          name: 'applies <the> discount',
          status: 'failed',
          file: 'src/cart.test.js',
          line: 14,
          message: 'expected 90 to equal 81',
          details: 'AssertionError: expected 90 to equal 81\n    at cart.test.js:14',
        },
      ],
      slowest: [{ suite: 'cart', name: 'adds', status: 'passed', timeMs: 1200 }],
      annotations: [],
      unreadable: [],
    };
    const html = buildOutputs(b, [
      { path: 'dist/app v1.js', size: 1536, step: 'unit', stage: 'test', createdAt: '2026-12-02T06:00:00Z' },
    ]);
    expect(html).toContain('✗ 2 tests: 1 passed, 1 failed');
    expect(html).toContain('<strong>cart › applies &lt;the&gt; discount</strong>');
    expect(html).toContain('<code>src/cart.test.js:14</code>');
    expect(html).toContain('<p class="test-message">expected 90 to equal 81</p>');
    expect(html).toContain('<li>cart › adds <small>1 s</small></li>');
    expect(html).toContain(`<a href="/api/v1/builds/${b.id}/artifacts/dist/app%20v1.js" download>dist/app v1.js</a>`);
    expect(html).toContain('1.5 KiB');
    expect(buildOutputs(record(2), [])).toBe('');
  });

  it('says durations and ages as people read them', () => {
    expect([850, 42_000, 185_000, 7_800_000].map(formatDuration)).toEqual([
      '850 ms',
      '42 s',
      '3 min 05 s',
      '2 h 10 min',
    ]);
    const now = new Date('2026-12-02T07:00:00Z');
    expect(
      ['2026-12-02T06:59:50Z', '2026-12-02T06:55:00Z', '2026-12-01T07:00:00Z'].map((t) => formatAge(t, now)),
    ).toEqual(['just now', '5 min ago', '24 h ago']);
  });
});

/** The pages through the receiver's app on memory ports, with sign-in through the stand-in. */
describe('the dashboard’s pages, per viewer', () => {
  let standIn: GitHubStandIn;
  let app: IdentityApp;
  let failed: BuildRecord;
  let running: BuildRecord;

  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1', token: GITHUB_TOKEN });
    await standIn.createRepo('acme', 'exec');
    standIn.setPermission('acme', 'exec', 'reader', 'read');
    standIn.setPermission('acme', 'exec', 'writer', 'write');
    app = await startIdentityApp(standIn, GITHUB_TOKEN);
    failed = record(1, { state: 'failure', startedAt: '2026-12-02T06:01:00Z', finishedAt: '2026-12-02T06:02:05Z' });
    failed.stages[0]!.steps[1]! = {
      ...failed.stages[0]!.steps[1]!,
      state: 'failure',
      exitCode: 3,
      attempt: 2,
      node: 'node-a1',
    };
    running = record(2, { state: 'running', startedAt: '2026-12-02T06:02:30Z' });
    running.stages[0]!.state = 'waiting';
    running.stages[0]!.description = 'Waiting: for lock "demo-board", held by b123';
    for (const b of [failed, running]) await app.state.builds.create(b);
  });
  afterAll(async () => {
    await app?.close();
    expect(standIn.violations).toEqual([]);
    await standIn?.stop();
  });

  const html = (path: string, cookie = '') =>
    fetch(`${app.url}${path}`, { headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) } });

  it('lists a private repository’s builds only for people who may read it', async () => {
    const reader = await app.signIn('reader');
    const list = await (await html('/', reader.cookie)).text();
    expect(list).toContain(`id="build-${failed.id}"`);
    expect(list).toContain('change 1');
    expect(list).toContain('1 min 05 s');
    expect(list).toContain('<a href="https://github.com/acme/exec/tree/main">main</a>');
    expect(await (await html('/')).text()).not.toContain(failed.id);
    const filtered = await (await html('/?state=running', reader.cookie)).text();
    expect(filtered).toContain(running.id);
    expect(filtered).not.toContain(failed.id);
    // The live part alone, for the page's script.
    const fragment = await (await html('/?fragment=builds', reader.cookie)).text();
    expect(fragment.startsWith('<section id="builds"')).toBe(true);
  });

  it('shows a step’s exit code, attempts, node and "allowed to fail", and what a stage waits for', async () => {
    const reader = await app.signIn('reader');
    const page = await (await html(`/builds/${failed.id}`, reader.cookie)).text();
    expect(page).toMatch(/<tr id="step-unit" class="open-step">.*exit 3.*<\/tr>/);
    expect(page).toContain('<td data-label="Attempts">2</td>');
    expect(page).toContain('<code title="node-a1">node-a1</code>');
    expect(page).toMatch(/lint <span class="allowed">allowed to fail<\/span>/);
    expect(page).toContain('data-step="unit"');
    const waiting = await (await html(`/builds/${running.id}?fragment=live`, reader.cookie)).text();
    expect(waiting).toContain('<p class="waiting-reason">Waiting for lock &quot;demo-board&quot;, held by b123</p>');
  });

  it('says a waiting build started, not that it runs, and why its checkout runs again', async () => {
    const reader = await app.signIn('reader');
    const parked = record(3, { state: 'waiting', startedAt: '2026-12-02T06:03:00Z' });
    parked.checkout = { ...parked.checkout!, state: 'queued', attempt: 1, startedAt: '2026-12-02T06:03:00Z' };
    parked.stages[0]!.state = 'waiting';
    parked.stages[0]!.description = 'Waiting: for approval by octocat';
    await app.state.builds.create(parked);
    const page = await (await html(`/builds/${parked.id}?fragment=live`, reader.cookie)).text();
    expect(page).toMatch(/<span>started [^<]+ ago<\/span>/);
    expect(page).not.toContain('running for');
    expect(page).toContain('the commit is checked out again when the build goes on');
    const live = await (await html(`/builds/${running.id}?fragment=live`, reader.cookie)).text();
    expect(live).toContain('running for');
    expect(live).not.toContain('checked out again');
  });

  it('offers cancel and a manual run only to people with write permission', async () => {
    const reader = await app.signIn('reader');
    const writer = await app.signIn('writer');
    const asReader = await (await html(`/builds/${running.id}`, reader.cookie)).text();
    expect(asReader).not.toContain('Cancel build');
    expect(asReader).not.toContain('Run this commit manually');
    const asWriter = await (await html(`/builds/${running.id}`, writer.cookie)).text();
    expect(asWriter).toContain('Cancel build');
    expect(asWriter).toContain('Run this commit manually');
    // The server refuses the reader anyway, whatever the page showed.
    const refused = await fetch(`${app.url}/builds/${running.id}/cancel`, {
      method: 'POST',
      headers: { cookie: reader.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${encodeURIComponent(reader.csrf)}`,
      redirect: 'manual',
    });
    expect(refused.status).toBe(403);
  });

  it('lists the nodes started on demand: node, provisioner, labels, why, started, ran for, state', async () => {
    const base = {
      provisioner: 'gpus',
      labels: { pool: 'gpu' },
      tokenHash: '00'.repeat(32),
    };
    await app.state.provisions.create({
      ...base,
      id: 'pr-a',
      reason: { service: 's1', buildId: failed.id, step: 'test', wanted: { pool: 'gpu' } },
      state: 'removed',
      requestedAt: '2026-12-02T06:01:10Z',
      joinedAt: '2026-12-02T06:01:12Z',
      endedAt: '2026-12-02T06:04:17Z',
      hostname: 'gpu-node-1',
    });
    await app.state.provisions.create({
      ...base,
      id: 'pr-b',
      reason: { service: 's2', buildId: running.id, step: 'lint', wanted: { pool: 'gpu' } },
      state: 'failed',
      requestedAt: '2026-12-02T06:02:40Z',
      failure: 'no node with pool=gpu: provisioner "gpus" could not start a node: quota',
    });
    const reader = await app.signIn('reader');
    // Every signed-in page links to it.
    expect(await (await html('/', reader.cookie)).text()).toContain('<a href="/nodes">Nodes on demand</a>');
    const page = await (await html('/nodes', reader.cookie)).text();
    expect(page).toContain('<td data-label="Node">gpu-node-1</td>');
    expect(page).toContain(`step test of build <a href="/builds/${failed.id}">${failed.id}</a> asked for pool=gpu`);
    expect(page).toContain('<td data-label="Ran for">3 min 05 s</td>');
    expect(page).toContain('no node with pool=gpu: provisioner &quot;gpus&quot; could not start a node: quota');
    expect(page.indexOf('pr-b') < 0 && page.indexOf(running.id) < page.indexOf(failed.id)).toBe(true);
    // A stranger sees no page; a reader of nothing would see the requests without their builds.
    const stranger = await html('/nodes');
    expect(stranger.status).toBe(404);
    expect(await stranger.text()).not.toContain('gpu-node-1');
  });

  it('answers an unknown or unreadable build with the same 404 page', async () => {
    const a = await html(`/builds/${failed.id}`);
    const b = await html('/builds/b00000000000');
    expect([a.status, b.status]).toEqual([404, 404]);
    expect(await a.text()).toBe(await b.text());
  });
});
