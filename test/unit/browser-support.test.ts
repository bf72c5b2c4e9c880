import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { launchChromium } from '../support/browser.js';

describe('launchChromium', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-no-chromium-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('fails, saying what is missing and what installs it, when there is no Chromium (never skips)', async () => {
    await expect(launchChromium(path.join(dir, 'chromium'))).rejects.toThrow(
      `the browser tests need Chromium at ${path.join(dir, 'chromium')}, and it is missing: run scripts/infra.sh`,
    );
  });

  it('fails with Chromium’s own reason when the program there does not start', async () => {
    const fake = path.join(dir, 'not-chromium');
    await writeFile(fake, '#!/bin/sh\necho "this is not a browser" >&2\nexit 3\n');
    await chmod(fake, 0o755);
    const failure = launchChromium(fake);
    await expect(failure).rejects.toThrow(`Chromium at ${fake} did not start`);
    await expect(failure).rejects.toThrow('this is not a browser');
  });
});
