import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { projectRoot } from '../../services/shared/project-root.js';

/** Debian's Chromium, installed by scripts/infra.sh; `npx playwright install` cannot work here. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless, no sandbox (tests run as root), and nothing that talks to the network by itself
 * (only the pages a test serves on 127.0.0.1 are reachable).
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** One Chromium with a profile of its own, for one test file. */
export interface BrowserSession {
  context: BrowserContext;
  /** A new tab, `width` × `height` CSS pixels (default 1280 × 800). */
  newPage(size?: { width: number; height: number }): Promise<Page>;
  /** Closes Chromium and removes its profile. */
  close(): Promise<void>;
}

/**
 * Launches Chromium (`executable`, default {@link CHROMIUM}) through playwright-core with a
 * fresh `--user-data-dir` (a temporary folder, removed by `close`). Without Chromium it
 * throws, saying why and what installs it: a browser test never skips.
 */
export async function launchChromium(executable = CHROMIUM): Promise<BrowserSession> {
  try {
    accessSync(executable, constants.X_OK);
  } catch {
    throw new Error(
      `the browser tests need Chromium at ${executable}, and it is missing: run scripts/infra.sh ` +
        "(it installs Debian's chromium package); browser tests are never skipped",
    );
  }
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'slipway-chromium-'));
  let context: BrowserContext;
  try {
    // Playwright refuses --user-data-dir in args; this is how it takes one.
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: executable,
      args: CHROMIUM_FLAGS,
      headless: true,
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
    });
  } catch (err) {
    await rm(userDataDir, { recursive: true, force: true });
    throw new Error(`Chromium at ${executable} did not start: ${(err as Error).message}`);
  }
  return {
    context,
    async newPage(size) {
      const page = await context.newPage();
      if (size) await page.setViewportSize(size);
      return page;
    },
    async close() {
      try {
        await context.close();
      } finally {
        await rm(userDataDir, { recursive: true, force: true });
      }
    },
  };
}

/** Where the docs' screenshots live. */
export const SCREENSHOTS = path.join(projectRoot(), 'docs', 'screenshots');

/**
 * Takes a PNG screenshot of `page` (always, so a page that cannot be drawn fails the test)
 * and writes it to docs/screenshots/<name>.png only when `SLIPWAY_SCREENSHOTS=1`, so that an
 * ordinary test run leaves the working tree as it was. Returns the PNG.
 */
export async function screenshot(page: Page, name: string): Promise<Buffer> {
  const png = await page.screenshot({ type: 'png', animations: 'disabled', caret: 'hide' });
  if (process.env.SLIPWAY_SCREENSHOTS === '1') {
    await mkdir(SCREENSHOTS, { recursive: true });
    await writeFile(path.join(SCREENSHOTS, `${name}.png`), png);
  }
  return png;
}
