#!/usr/bin/env node
// The `slipway` command, package.json's "bin" (what `npx slipway` runs in a checkout): it runs
// the CLI compiled in dist/. `npm ci` builds dist/ through the `prepare` script; where that did
// not happen (`--ignore-scripts`, a removed dist/), dist/ is built here once, first.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const cli = join(root, 'dist', 'services', 'cli', 'slipway.js');

if (!existsSync(cli)) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) {
    process.stderr.write(`slipway: ${cli} is missing and TypeScript is not installed: run \`npm ci\` in ${root}\n`);
    process.exit(1);
  }
  process.stderr.write('slipway: dist/ is missing; building it once (npm run build), which takes a little while…\n');
  // The compiler's output goes to stderr, so that `slipway plan > plan.json` stays clean.
  const built = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
    stdio: ['ignore', 2, 2],
  });
  if (built.status !== 0 || !existsSync(cli)) {
    process.stderr.write('slipway: the build failed (see above); fix it, then run `npm run build`\n');
    process.exit(1);
  }
}

await import(pathToFileURL(cli).href);
