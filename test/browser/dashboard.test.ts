import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { launchChromium, screenshot, type BrowserSession } from '../support/browser.js';
import { GitHubStandIn } from '../support/github-stand-in.js';
import {
  eventually,
  freePort,
  freshRedisUrl,
  startSlipway,
  WEBHOOK_SECRET,
  type RunningSlipway,
} from '../support/slipway-harness.js';
import { pushPayload, signedHeaders } from '../support/webhook-payloads.js';

const OWNER = 'acme';
const REPO = 'widgets';
const CLIENT_ID = 'Iv1.dashboardtest';
const CLIENT_SECRET = 'dashboard-client-secret';

/**
 * The test step prints a red ERROR, then waits until the test opens a TCP port on the host
 * (the docker0 gateway every Swarm task reaches), so the test decides when the build is over.
 */
const testSpec = (gate: number) => `test:
  - name: unit
    image: slipway/busybox:1
    commands:
      - printf '\\033[31mERROR\\033[0m the widget is not square\\n'
      - echo "waiting for the test to let go"
      - >-
        i=0; until echo go | nc 172.17.0.1 ${gate} >/dev/null 2>&1;
        do i=$((i+1)); [ $i -lt 600 ] || exit 9; sleep 0.3; done
      - echo done
`;

const deploySpec = `test:
  - {name: unit, image: slipway/busybox:1, commands: ["echo fine"]}
deploy:
  environments:
    production:
      branch: production
      url: https://widgets.example.com
      approval:
        users: [octocat]
        expires: 1h
      steps:
        - {name: ship, image: slipway/busybox:1, commands: ["echo shipping to $SLIPWAY_ENVIRONMENT"]}
`;

/** e2e held for a manual test of an httpd serving the checked-out page; master deploys to staging. */
const gatedSpec = `test:
  - {name: unit, image: slipway/busybox:1, commands: ["test -f site/index.html"]}
e2e:
  steps:
    - {name: smoke, image: slipway/busybox:1, commands: ["grep -q square site/index.html"]}
  manual:
    app:
      image: slipway/busybox:1
      command: [httpd, -f, -p, "8080", -h, /workspace/site]
      port: 8080
    people: {users: [octocat]}
    instructions: Open the page; every widget must be square.
    timeout: 30m
deploy:
  environments:
    staging:
      branch: master
      steps:
        - {name: ship, image: slipway/busybox:1, commands: ["echo shipping to $SLIPWAY_ENVIRONMENT"]}
`;

function rgb(colour: string): [number, number, number] {
  const m = /^rgba?\((\d+), (\d+), (\d+)/.exec(colour);
  if (!m) throw new Error(`not a colour: ${colour}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** A port on the host that, once opened, lets the waiting step finish. */
class Gate {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  constructor(readonly port: number) {}
  async open(): Promise<void> {
    this.server = createServer((socket) => {
      this.sockets.add(socket.once('close', () => this.sockets.delete(socket)));
      socket.end();
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '0.0.0.0', resolve));
  }
  async close(): Promise<void> {
    // A connection the step left half-open must not hold the test (and hide why it failed).
    for (const socket of this.sockets) socket.destroy();
    if (this.server) await new Promise((resolve) => this.server!.close(resolve));
  }
}

declare global {
  /** Set in the page by the test: still there means the page was never reloaded. */
  var notReloaded: boolean | undefined;
}

/**
 * The dashboard in Chromium against Slipway in this process (receiver, planner, executor on
 * the real swarm, approver, reporter) and the GitHub stand-in: sign-in, the live list, a
 * build's live log, an approval, and what a signed-out visitor of a private repository sees.
 */
describe('the dashboard in Chromium', () => {
  let browser: BrowserSession;
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  let page: Page;
  let n = 0;
  const errors: string[] = [];
  const builds: Record<string, string> = {};

  beforeAll(async () => {
    const redisUrl = await freshRedisUrl(15);
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    standIn.registerOAuthApp(CLIENT_ID, CLIENT_SECRET);
    await standIn.createRepo(OWNER, REPO);
    standIn.setVisibility(OWNER, REPO, 'private');
    standIn.setPermission(OWNER, REPO, 'octocat', 'maintain');
    const port = await freePort();
    slipway = await startSlipway({
      standIn,
      redisUrl,
      env: {
        SLIPWAY_PORT: String(port),
        SLIPWAY_PUBLIC_URL: `http://127.0.0.1:${port}`,
        SLIPWAY_GITHUB_CLIENT_ID: CLIENT_ID,
        SLIPWAY_GITHUB_CLIENT_SECRET: CLIENT_SECRET,
        SLIPWAY_SESSION_SECRET: 'a-dashboard-session-secret-of-32-characters-or-more',
      },
    });
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => void (msg.type() === 'error' && errors.push(msg.text())));
  });

  afterAll(async () => {
    await browser?.close();
    await slipway?.close();
    await standIn?.stop();
  });

  async function push(branch: string, files: Record<string, string>, message: string): Promise<string> {
    const sha = await standIn.commit(OWNER, REPO, branch, { ...files, 'n.txt': String(++n) }, message);
    const payload = pushPayload({
      owner: OWNER,
      repo: REPO,
      cloneUrl: `https://github.com/${OWNER}/${REPO}.git`,
      branch,
      before: '1'.repeat(40),
      after: sha,
    });
    payload.repository.private = true;
    payload.head_commit.message = message;
    const body = JSON.stringify(payload);
    const res = await fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders('push', body, WEBHOOK_SECRET, `dashboard-${n}`),
      body,
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { build: string }).build;
  }

  const markPage = () => page.evaluate(() => void (globalThis.notReloaded = true));
  const stillSamePage = () => page.evaluate(() => globalThis.notReloaded === true);

  it('signs a person in through GitHub (the stand-in) from the list', async () => {
    standIn.signInAs('octocat');
    await page.goto(`${slipway.url}/`);
    await page.getByRole('link', { name: 'Sign in with GitHub' }).click();
    await page.getByText('Signed in as octocat').waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.getByRole('heading', { name: 'Builds' }).isVisible()).toBe(true);
  });

  it('shows a new build in the list, its state live; its page shows the red ERROR as it is printed', async () => {
    const gate = new Gate(await freePort());
    try {
      await page.goto(`${slipway.url}/`);
      await markPage();
      const build = await push('main', { '.buildspec.yml': testSpec(gate.port) }, 'Make the widgets square');
      builds.test = build;
      const row = page.locator(`#build-${build}`);
      // New builds appear without a reload, then change state as the build runs.
      await row.waitFor({ timeout: 60_000 });
      await page.locator(`#build-${build}[data-state="running"]`).waitFor({ timeout: 90_000 });
      expect(await stillSamePage()).toBe(true);
      expect(await row.getByRole('link', { name: 'main' }).getAttribute('href')).toBe(
        `https://github.com/${OWNER}/${REPO}/tree/main`,
      );
      expect(await row.innerText()).toContain('Make the widgets square');
      expect(await row.innerText()).toContain('Codertocat');
      await screenshot(page, 'dashboard-list');

      // The build page opens the running step's log, and its red line arrives live.
      await row.getByRole('link', { name: build }).click();
      await page.getByRole('heading', { name: `Build ${build}` }).waitFor();
      await markPage();
      const error = page.locator('.lv-x span', { hasText: /^ERROR$/ }).first();
      await error.waitFor({ timeout: 60_000 });
      type InPage = { getComputedStyle(e: unknown): { color: string } };
      const [r, g, b] = rgb(await error.evaluate((el) => (globalThis as unknown as InPage).getComputedStyle(el).color));
      expect(r).toBeGreaterThanOrEqual(150);
      expect(g).toBeLessThan(r / 2);
      expect(b).toBeLessThan(r / 2);
      const shown = await page.locator('.lv-rows').innerText();
      expect(shown).toContain('ERROR the widget is not square');
      expect(shown).not.toContain('\u001b');
      // What was printed, not the commands that printed it (echoed as "$ printf '\033[31mERROR…'").
      const printed = shown.split('\n').filter((l) => !l.startsWith('$'));
      expect(printed.filter((l) => /\[(31|0)m/.test(l))).toEqual([]);
      expect(printed.filter((l) => l.includes('the widget is not square'))).toEqual(['ERROR the widget is not square']);
      await page.locator('.lv-row', { hasText: 'waiting for the test to let go' }).last().waitFor({ timeout: 30_000 });
      const unit = page.locator('#step-unit');
      expect(await unit.getByText('running').isVisible()).toBe(true);
      await screenshot(page, 'dashboard-build');
      await screenshot(page, 'dashboard-log');

      // The step ends: the page shows it without a reload, with its duration, node and attempts.
      await gate.open();
      await page.locator('.build-state .st-success').waitFor({ timeout: 60_000 });
      await page.locator('.lv-x', { hasText: /^done$/ }).waitFor({ timeout: 30_000 });
      expect(await stillSamePage()).toBe(true);
      expect(await unit.locator('td[data-label="State"]').innerText()).toContain('success');
      expect(await unit.locator('td[data-label="Attempts"]').innerText()).toBe('1');
      expect(await unit.locator('td[data-label="Node"]').innerText()).not.toBe('');
      expect(await unit.locator('td[data-label="Duration"]').innerText()).toMatch(/\d+ (ms|s)|min/);

      await page.goto(`${slipway.url}/`);
      expect(await page.locator(`#build-${build}`).getAttribute('data-state')).toBe('success');
    } finally {
      await gate.close();
    }
  });

  it('takes an approval of a waiting production deploy from its page, and the deploy starts', async () => {
    const build = await push('production', { '.buildspec.yml': deploySpec }, 'Ship the square widgets');
    builds.deploy = build;
    await eventually('the build to be recorded', () => slipway.builds.get(build), 60_000);
    await page.goto(`${slipway.url}/builds/${build}`);
    await markPage();
    // Opened before the gate: the approval and its buttons appear live.
    const approve = page.getByRole('button', { name: 'Approve' });
    await approve.waitFor({ timeout: 90_000 });
    expect(await stillSamePage()).toBe(true);
    const approval = page.locator('section.approval');
    expect(await approval.innerText()).toContain('Waiting for approval: 0 of 1 given');
    expect(await approval.innerText()).toContain('octocat (with maintain or admin permission)');
    expect(await page.getByRole('button', { name: 'Reject' }).isVisible()).toBe(true);
    await screenshot(page, 'dashboard-approval');

    await approve.click();
    await page.waitForURL(`${slipway.url}/builds/${build}`);
    const deploy = page.locator('section.stage', { has: page.getByRole('heading', { name: /^Deploy/ }) });
    await deploy.locator('h3 .st-success').waitFor({ timeout: 90_000 });
    expect(await approval.innerText()).toMatch(/octocat\s+approved via api/);
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    const record = await slipway.builds.get(build);
    expect(record?.approval?.decisions.map((d) => [d.user, d.counted])).toEqual([['octocat', true]]);
    expect((await slipway.logs.read(build, 'ship')).map((l) => l.text)).toContain('shipping to production');
    // The audit records of the build are on its page.
    await page.reload();
    expect(await page.locator('section.audit').innerText()).toMatch(/octocat\s+approve for production/);
  });

  it('passes a manual test from its page after trying the application it links to, and the deploy runs', async () => {
    const html = '<h1>All widgets are square</h1>\n';
    const build = await push('master', { '.buildspec.yml': gatedSpec, 'site/index.html': html }, 'Square widgets');
    await eventually('the build to be recorded', () => slipway.builds.get(build), 60_000);
    await page.goto(`${slipway.url}/builds/${build}`);
    await markPage();
    // Opened before the gate: the application's link and the forms appear live.
    const pass = page.getByRole('button', { name: 'Pass' });
    await pass.waitFor({ timeout: 120_000 });
    expect(await stillSamePage()).toBe(true);
    const gate = page.locator('section.gate');
    expect(await gate.innerText()).toContain('Open the page; every widget must be square.');
    expect(await page.getByRole('button', { name: 'Fail' }).isVisible()).toBe(true);
    await gate.scrollIntoViewIfNeeded();
    await screenshot(page, 'dashboard-manual-gate');

    // The tester follows the link to the running application, then comes back to decide.
    await gate.locator('a.gate-url').click();
    expect(await page.locator('h1').innerText()).toBe('All widgets are square');
    await page.goBack();
    await page.locator('form', { has: pass }).getByLabel('Reason').fill('all square on my screen');
    await pass.click();
    await page.waitForURL(`${slipway.url}/builds/${build}`);
    const deploy = page.locator('section.stage', { has: page.getByRole('heading', { name: /^Deploy/ }) });
    await deploy.locator('h3 .st-success').waitFor({ timeout: 120_000 });
    expect(await gate.innerText()).toMatch(/octocat\s+passed it via \w+: all square on my screen/);
    expect(await page.getByRole('button', { name: 'Pass' }).count()).toBe(0);
    const record = await slipway.builds.get(build);
    expect(record?.gate?.state).toBe('passed');
    expect((await slipway.logs.read(build, 'ship')).map((l) => l.text)).toContain('shipping to staging');
  });

  it("re-runs only a failed build's failed steps from its page: a new build of the same commit", async () => {
    const spec =
      'test:\n' +
      '  - {name: unit, image: slipway/busybox:1, commands: [echo unit ok]}\n' +
      '  - {name: flaky, image: slipway/busybox:1, commands: [echo flaky fails, exit 3]}\n';
    const build = await push('flaky', { '.buildspec.yml': spec }, 'A flaky test');
    await eventually(
      'the build to fail',
      async () => ((await slipway.builds.get(build))?.state === 'failure' ? true : undefined),
      90_000,
    );
    await page.goto(`${slipway.url}/builds/${build}`);
    expect(await page.getByRole('button', { name: 'Re-run build' }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Re-run failed steps' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/builds/') && !url.pathname.endsWith(build));
    const rerun = new URL(page.url()).pathname.split('/')[2]!;
    expect(await page.locator('p.rerun-of').innerText()).toBe(`Re-run of ${build}: only flaky`);
    const record = await eventually(
      'the re-run to end',
      async () => {
        const r = await slipway.builds.get(rerun);
        return r && ['success', 'failure', 'error'].includes(r.state) ? r : undefined;
      },
      90_000,
    );
    expect(record.request.sha).toBe((await slipway.builds.get(build))!.request.sha);
    // Only the failed step ran again; the one that passed is carried over, not run.
    expect(record.stages[0]!.steps.map((st) => [st.key, st.state])).toEqual([
      ['unit', 'skipped'],
      ['flaky', 'failure'],
    ]);
    expect((await slipway.logs.read(rerun, 'unit')).length).toBe(0);
  });

  it('fits 360 px, labels its controls and shows keyboard focus', async () => {
    const narrow = await browser.newPage({ width: 360, height: 740 });
    for (const path of ['/', `/builds/${builds.test}`, `/builds/${builds.deploy}`]) {
      await narrow.goto(`${slipway.url}${path}`);
      const overflows = await narrow.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth');
      expect([path, overflows]).toEqual([path, false]);
    }
    await narrow.goto(`${slipway.url}/`);
    for (const label of ['Repository', 'Branch or PR', 'State', 'Trigger'])
      expect(await narrow.getByLabel(label).isVisible()).toBe(true);
    await narrow.getByLabel('State').selectOption('success');
    await narrow.getByRole('button', { name: 'Filter' }).click();
    await narrow.waitForURL(/state=success/);
    expect(await narrow.locator(`#build-${builds.test}`).count()).toBe(1);
    await screenshot(narrow, 'dashboard-list-360');
    // Tab reaches the first link, drawn with a visible outline.
    await narrow.keyboard.press('Tab');
    const outline = await narrow.evaluate<{ style: string; width: number }>(
      '(({ outlineStyle, outlineWidth }) => ({ style: outlineStyle, width: parseFloat(outlineWidth) }))' +
        '(getComputedStyle(document.activeElement))',
    );
    expect(outline.style).not.toBe('none');
    expect(outline.width).toBeGreaterThanOrEqual(2);
    await narrow.close();
  });

  it('shows a signed-out visitor nothing of a private repository', async () => {
    await browser.context.clearCookies();
    const visitor = await browser.newPage();
    await visitor.goto(`${slipway.url}/`);
    expect(await visitor.getByRole('link', { name: 'Sign in with GitHub' }).isVisible()).toBe(true);
    const list = await visitor.locator('main').innerText();
    for (const id of Object.values(builds)) expect(list).not.toContain(id);
    expect(list).not.toContain(REPO);
    const res = await visitor.goto(`${slipway.url}/builds/${builds.deploy}`);
    expect(res?.status()).toBe(404);
    expect(await visitor.locator('main').innerText()).not.toContain(REPO);
    const log = await visitor.goto(`${slipway.url}/builds/${builds.test}/steps/unit/log`);
    expect(log?.status()).toBe(404);
    await visitor.close();
    expect(errors.filter((e) => !/Failed to load resource|EventSource/.test(e))).toEqual([]);
  });
});
