import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { FakeBackend } from '../../services/executor/backend/fake-backend.js';
import type { LogLine } from '../../services/core/builds/log-line.js';
import { launchChromium, screenshot, type BrowserSession } from '../support/browser.js';
import { LogViewerApp, type LogPageConfig } from '../support/log-viewer-app.js';
import { freshRedisUrl } from '../support/slipway-harness.js';

/** The page's probe (test/browser/pages/log-page.js). */
interface Probe {
  shownAt: number;
  firstContentfulPaint: number;
  inView(n: number): boolean;
  visibleLines(): number[];
  following(): boolean;
  selected(): number[];
  rowCount(): number;
  lineCount(): number;
  jump(hash: string): Promise<number>;
  colourOf(text: string): string;
  highlighted(): { all: string[]; current: string[] };
  overflows(): boolean;
  searchCount(): string;
  focused(): string;
}
declare global {
  /** Only inside the page: functions given to page.evaluate and waitForFunction run there. */
  var probe: Probe;
}

const time = (i: number) => new Date(Date.UTC(2026, 0, 5, 10, 0, 0) + i * 37).toISOString();

/** A long build log: colours on every tenth line, a stderr warning every 500th, one fatal line. */
function bigLog(count: number): LogLine[] {
  return Array.from({ length: count }, (_, i): LogLine => {
    const n = i + 1;
    if (n === 42_424)
      return { time: time(i), stream: 'stderr', text: '\u001b[1;31mFATAL\u001b[0m: disk quota exceeded' };
    if (n % 500 === 0)
      return { time: time(i), stream: 'stderr', text: `\u001b[33mWarning\u001b[0m: module ${n} uses a deprecated API` };
    if (n % 10 === 0)
      return { time: time(i), stream: 'stdout', text: `\u001b[32m✓\u001b[0m compiled module ${n} of ${count}` };
    return {
      time: time(i),
      stream: 'stdout',
      text: `compiling module ${n} of ${count} (src/pkg${n % 97}/file${n}.ts)`,
    };
  });
}

/** What a test run of a small project prints, for the screenshots and the small checks. */
const SAMPLE: LogLine[] = [
  '$ npm test',
  '',
  '> widget@1.4.0 test',
  '> jest --ci',
  '',
  '\u001b[0m\u001b[7m\u001b[1m\u001b[32m PASS \u001b[39m\u001b[22m\u001b[27m\u001b[0m src/parse.test.ts',
  '\u001b[0m\u001b[7m\u001b[1m\u001b[32m PASS \u001b[39m\u001b[22m\u001b[27m\u001b[0m src/format.test.ts',
  '\u001b[0m\u001b[7m\u001b[1m\u001b[31m FAIL \u001b[39m\u001b[22m\u001b[27m\u001b[0m src/render.test.ts',
  '  \u001b[1m● render › escapes <b>markup</b> & entities\u001b[22m',
  '',
  '    expect(\u001b[31mreceived\u001b[39m).toBe(\u001b[32mexpected\u001b[39m)',
  '    Expected: \u001b[32m"&lt;b&gt;"\u001b[39m',
  '    Received: \u001b[31m"<b>"\u001b[39m',
  '',
  '\u001b[1mTests:\u001b[22m       \u001b[1m\u001b[31m1 failed\u001b[39m\u001b[22m, ' +
    '\u001b[1m\u001b[32m41 passed\u001b[39m\u001b[22m, 42 total',
  '\u001b[2mRan all test suites.\u001b[22m',
  'npm error Lifecycle script `test` failed with error: code 1',
].map((text, i) => ({ time: time(i * 40), stream: text.startsWith('npm error') ? 'stderr' : 'stdout', text }));

/** The plain text the screen shows for SAMPLE (no escape codes), as a download gives it. */
const SAMPLE_TEXT = SAMPLE.map((l) => l.text.replace(/\u001b\[[0-9;]*m/g, '')).join('\n') + '\n';

function rgb(colour: string): [number, number, number] {
  const m = /^rgba?\((\d+), (\d+), (\d+)/.exec(colour);
  if (!m) throw new Error(`not a colour: ${colour}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

describe('the log viewer in Chromium', () => {
  let browser: BrowserSession;
  let app: LogViewerApp;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    browser = await launchChromium();
    app = await LogViewerApp.start(await freshRedisUrl(14));
    app.serveLog('big', bigLog(50_000));
    app.serveLog('sample', SAMPLE);
  });
  afterAll(async () => {
    // The numbers the acceptance criteria name, for the record (the assertions are below).
    console.log(`log viewer timings (ms, measured in the page): ${JSON.stringify(timings)}`);
    await app?.close();
    await browser?.close();
  });

  async function open(config: LogPageConfig, hash = '', size?: { width: number; height: number }): Promise<Page> {
    const page = await browser.newPage(size);
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => void (msg.type() === 'error' && errors.push(msg.text())));
    page.on('response', (res) => void (res.status() >= 400 && errors.push(`${res.status()} ${res.url()}`)));
    await page.goto(app.pageUrl(config, hash));
    await page
      .waitForFunction(() => 'probe' in globalThis, undefined, { timeout: 15_000 })
      .catch(() => {
        throw new Error(`the test page did not start: ${errors.join('; ') || 'no error reported'}`);
      });
    return page;
  }

  it('shows a step’s red ERROR without escape codes, HTML as text, and follows its live output', async () => {
    const backend = new FakeBackend();
    const build = { buildId: 'blive', network: 'n', volume: 'v' };
    const dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-viewer-'));
    const [go, stop] = [path.join(dir, 'go'), path.join(dir, 'stop')];
    await backend.setupBuild(build);
    app.setStepState('blive', 'test', 'running');
    const handle = await backend.startStep({
      build,
      key: 'test',
      attempt: 1,
      name: 'slw-blive-test-1',
      image: 'slipway/busybox:1',
      script: [
        "printf '\\033[31mERROR\\033[0m\\n'",
        "printf '<b>not bold</b> & <script>alert(1)</script>\\n' >&2",
        'while [ ! -f "$GO" ]; do sleep 0.05; done',
        'i=0; while [ $i -lt 120 ]; do i=$((i+1)); echo "setup line $i"; done',
        'i=0; while [ ! -f "$STOP" ]; do i=$((i+1)); echo "tick $i"; sleep 0.05; done',
        'echo finished',
      ].join('\n'),
      env: { GO: go, STOP: stop },
      secrets: [],
      resources: {},
      placement: [],
    });
    // As the executor does (run-step.ts): lines go to the store as they are printed, which publishes them.
    let appending = Promise.resolve();
    const follower = backend.followLog(handle, (lines) => {
      appending = appending.then(() => app.logs.append('blive', 'test', lines));
    });
    try {
      const page = await open({ stream: { build: 'blive', step: 'test' }, label: 'test: live' });
      await page.waitForFunction(() => probe.visibleLines().length > 0);

      const error = page.locator('.lv-x', { hasText: 'ERROR' }).first();
      await error.waitFor();
      // Red as a person sees it: a strong red channel, green and blue well below it.
      const [r, g, b] = rgb(await page.evaluate(() => probe.colourOf('ERROR')));
      expect(r).toBeGreaterThanOrEqual(150);
      expect(g).toBeLessThan(r / 2);
      expect(b).toBeLessThan(r / 2);
      const plain = rgb(await page.evaluate(() => probe.colourOf('<b>not bold</b> & <script>alert(1)</script>')));
      expect(plain[1]).toBeGreaterThan(200);
      const shown = await page.locator('.lv-rows').innerText();
      expect(shown).not.toContain('\u001b');
      expect(shown).not.toMatch(/\[(31|0)m/);
      expect(await error.innerText()).toBe('ERROR');

      const html = page.locator('.lv-row', { hasText: 'not bold' });
      expect(await html.locator('.lv-x').innerText()).toBe('<b>not bold</b> & <script>alert(1)</script>');
      expect(await page.locator('.lv-rows b, .lv-rows script').count()).toBe(0);
      expect(await html.getAttribute('class')).toContain('lv-err');
      await screenshot(page, 'log-viewer-live');

      // Following: the newest line stays in view as the step prints more.
      await writeFile(go, '');
      await page.waitForFunction(() => probe.rowCount() > 0 && probe.following());
      const newest = async () => page.evaluate(() => Math.max(...probe.visibleLines()));
      const before = await newest();
      await page.waitForFunction((n) => Math.max(...probe.visibleLines()) > n + 5, before, { timeout: 10_000 });
      await page.waitForFunction(() => probe.inView(probe.lineCount()));
      expect(await page.evaluate(() => probe.following())).toBe(true);
      expect(await page.getByRole('button', { name: 'Follow' }).getAttribute('aria-pressed')).toBe('true');

      // Scrolling up stops following: more lines arrive, the view stays where the person put it.
      const box = (await page.locator('.lv-viewport').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, -800);
      await page.waitForFunction(() => !probe.following());
      expect(await page.getByRole('button', { name: 'Follow' }).getAttribute('aria-pressed')).toBe('false');
      const held = await page.evaluate(() => probe.visibleLines());
      const linesThen = await page.evaluate(() => probe.lineCount());
      await page.waitForFunction((n) => probe.lineCount() > n + 5, linesThen);
      expect(await page.evaluate(() => probe.visibleLines())).toEqual(held);

      // The Follow button brings the newest line back and follows again.
      await page.getByRole('button', { name: 'Follow' }).click();
      expect(await page.evaluate(() => probe.following())).toBe(true);
      await page.waitForFunction(() => probe.inView(probe.lineCount()));

      // The step ends: its complete log replaces the live one, and the stream says so.
      await writeFile(stop, '');
      expect(await backend.waitStep(handle, { schedulingTimeoutMs: 5_000, timeoutMs: 30_000 })).toEqual({
        kind: 'success',
      });
      follower.stop();
      await appending;
      app.setStepState('blive', 'test', 'success');
      await app.logs.replace('blive', 'test', await backend.readLog(handle));
      await page.locator('.lv-status', { hasText: 'ended: success' }).waitFor();
      await page.locator('.lv-row', { hasText: 'finished' }).waitFor();
      expect(await page.evaluate(() => probe.inView(probe.lineCount()))).toBe(true);
      await page.close();

      // An anchor to a line that only the stream brings is kept until that line arrives.
      const later = await open({ stream: { build: 'blive', step: 'test' }, label: 'test: live' }, '#L125');
      await later.locator('.lv-status', { hasText: 'ended: success' }).waitFor();
      await later.waitForFunction(() => probe.inView(125));
      expect(await later.evaluate(() => [probe.selected(), probe.following()])).toEqual([[125], false]);
      await later.close();
    } finally {
      follower.stop();
      await backend.teardownBuild('blive');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('opens 50,000 lines at the end, jumps to #L25000, each under 2 s, rendering only what shows', async () => {
    const page = await open({ log: 'big', label: 'build: 50,000 lines' });
    const opened = await page.evaluate(() => ({
      shownAt: probe.shownAt,
      fcp: probe.firstContentfulPaint,
      end: probe.inView(50_000),
      rows: probe.rowCount(),
    }));
    timings.open50k = Math.round(opened.shownAt);
    timings.firstContentfulPaint50k = Math.round(opened.fcp);
    expect(opened.end).toBe(true);
    expect(opened.rows).toBeLessThan(200);
    // The acceptance criterion, measured in the page: generous, and still a real bound.
    expect(opened.shownAt).toBeLessThan(2_000);

    const jump = await page.evaluate(() => probe.jump('#L25000'));
    timings.jumpTo25000 = Math.round(jump);
    expect(jump).toBeGreaterThanOrEqual(0);
    expect(jump).toBeLessThan(2_000);
    expect(await page.evaluate(() => probe.selected())).toEqual([25_000]);
    expect(await page.locator('#L25000 .lv-x').innerText()).toBe('Warning: module 25000 uses a deprecated API');
    expect(page.url()).toMatch(/#L25000$/);
    expect(await page.evaluate(() => probe.following())).toBe(false);

    // Scrolling moves through the log with the same few rows.
    const box = (await page.locator('.lv-viewport').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 3_000);
    await page.waitForFunction(() => Math.min(...probe.visibleLines()) > 25_050);
    expect(await page.evaluate(() => probe.rowCount())).toBeLessThan(200);
    await page.close();
  });

  it('opens a page whose address names a line (#L25000) at that line, highlighted', async () => {
    const page = await open({ log: 'big', label: 'build: 50,000 lines' }, '#L25000');
    const shown = await page.evaluate(() => ({
      at: probe.shownAt,
      line: probe.inView(25_000),
      selected: probe.selected(),
    }));
    timings.openAt25000 = Math.round(shown.at);
    expect(shown.line).toBe(true);
    expect(shown.selected).toEqual([25_000]);
    expect(shown.at).toBeLessThan(2_000);
    expect(await page.getByRole('button', { name: 'Follow' }).getAttribute('aria-pressed')).toBe('false');
    await screenshot(page, 'log-viewer-anchor');

    // A line number is a link to that line: clicking it selects it and puts it in the address.
    await page.locator('#L25003 .lv-n').click();
    expect(page.url()).toMatch(/#L25003$/);
    expect(await page.evaluate(() => probe.selected())).toEqual([25_003]);
    // Back goes to the line before.
    await page.goBack();
    await page.waitForFunction(() => probe.selected()[0] === 25_000);
    await page.close();
  });

  it('searches the log: count, next and previous, the match in view and highlighted', async () => {
    const page = await open({ log: 'big', label: 'build: 50,000 lines' });
    const search = page.getByLabel('Search', { exact: true });
    await search.fill('quota exceeded');
    const count = page.locator('.lv-count');
    await page.waitForFunction(() => probe.searchCount() === '1 of 1');
    expect(await page.evaluate(() => probe.inView(42_424))).toBe(true);
    expect(await page.evaluate(() => probe.highlighted())).toEqual({
      all: ['quota exceeded'],
      current: ['quota exceeded'],
    });
    expect(await page.locator('#L42424').getAttribute('class')).toContain('lv-current');

    // Case-insensitive, one match per occurrence, in order; Enter and Shift+Enter move too.
    await search.fill('warning');
    await page.waitForFunction(() => probe.searchCount().endsWith('of 100'));
    await page.getByRole('button', { name: 'Previous match' }).click();
    const first = await count.innerText();
    await page.getByRole('button', { name: 'Next match' }).click();
    const n = Number(first.split(' ')[0]);
    expect(await count.innerText()).toBe(`${(n % 100) + 1} of 100`);
    await search.press('Enter');
    expect(await count.innerText()).toBe(`${((n + 1) % 100) + 1} of 100`);
    await search.press('Shift+Enter');
    await search.press('Shift+Enter');
    expect(await count.innerText()).toBe(`${n} of 100`);
    const line = n * 500;
    expect(await page.evaluate((l) => probe.inView(l), line)).toBe(true);
    expect((await page.evaluate(() => probe.highlighted())).current).toEqual(['Warning']);
    await screenshot(page, 'log-viewer-search');

    await search.fill('no such text anywhere');
    await page.waitForFunction(() => probe.searchCount() === 'No matches');
    expect((await page.evaluate(() => probe.highlighted())).all).toEqual([]);
    await page.close();
  });

  it('shows timestamps on demand and downloads the log as the text on screen', async () => {
    const page = await open({ log: 'sample', label: 'test: npm test', downloadName: 'widget-test.log' });
    const times = page.locator('#L1 .lv-t');
    const toggle = page.getByRole('button', { name: 'Timestamps' });
    expect(await times.isVisible()).toBe(false);
    await toggle.click();
    expect(await times.isVisible()).toBe(true);
    expect(await times.innerText()).toBe('10:00:00.000');
    expect(await times.getAttribute('datetime')).toBe(SAMPLE[0]!.time);
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    await screenshot(page, 'log-viewer');
    await toggle.click();
    expect(await times.isVisible()).toBe(false);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('widget-test.log');
    const file = await download.path();
    expect(await readFile(file, 'utf8')).toBe(SAMPLE_TEXT);
    await page.close();
  });

  it('works at 360 px wide and from the keyboard alone', async () => {
    const page = await open({ log: 'sample', label: 'test: npm test' }, '', { width: 360, height: 740 });
    expect(await page.evaluate(() => probe.overflows())).toBe(false);
    for (const name of ['Follow', 'Timestamps', 'Previous match', 'Next match', 'Download']) {
      expect(await page.getByRole('button', { name }).isVisible()).toBe(true);
    }
    expect(await page.getByRole('region', { name: /^test: npm test, 17 lines$/ }).isVisible()).toBe(true);

    // Tab goes through the controls in order, each with its name, then into the log and its line links.
    const order: string[] = [];
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => probe.focused()));
    }
    expect(order).toEqual([
      'Follow',
      'Timestamps',
      'Search',
      'Previous match',
      'Next match',
      'Download',
      'test: npm test, 17 lines',
      'Line 1',
    ]);
    await page.keyboard.press('Enter');
    expect(page.url()).toMatch(/#L1$/);
    expect(await page.evaluate(() => probe.selected())).toEqual([1]);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(() => probe.focused())).toBe('Download');
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Space')]);
    expect(await readFile(await download.path(), 'utf8')).toBe(SAMPLE_TEXT);
    await screenshot(page, 'log-viewer-360');
    await page.close();
  });
});
