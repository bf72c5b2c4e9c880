/**
 * `npm run bench`: Slipway against the floor, measured in the same run, on the real Redis and
 * swarm, with `slipway server` and `slipway executor` as their own processes against the GitHub
 * stand-in. Prints every figure of docs/performance.md with its ratio and target. Never run by
 * the test command. `SLIPWAY_BENCH=pipeline,parallel,livelog,burst,cache,collect,intake` picks parts
 * (`collect` only when named: run it alone, it reads the executor's peak memory).
 */
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { GitHubStandIn } from '../test/support/github-stand-in.js';
import { freshRedisUrl, testInstance } from '../test/support/slipway-harness.js';
import { burstBench, BURST_CONCURRENCY } from './burst.js';
import { cacheBench } from './cache-bench.js';
import { collectBench } from './collect-bench.js';
import { EngineCalls } from './engine-calls.js';
import { note } from './figures.js';
import { intakeBench } from './intake.js';
import { liveLogBench, parallelBench, pipelineBench } from './pipeline.js';
import { startSlipwayProcesses } from './slipway-processes.js';
import { specBench } from './spec-bench.js';

const parts = new Set((process.env.SLIPWAY_BENCH ?? 'pipeline,parallel,livelog,burst,cache,intake').split(','));
const writeGap = process.env.SLIPWAY_GITHUB_WRITE_GAP_MS ?? '0';
const docker = new Docker();
const engine = (await docker.version()) as { Version?: string };
note(
  `${new Date().toISOString()} · ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB · ` +
    `Docker ${engine.Version} · Node ${process.version} · GitHub write gap ${writeGap} ms (stand-in)`,
);
specBench();

const standIn = await GitHubStandIn.start({ token: 'test-token' });
const calls = await EngineCalls.start(`/tmp/slipway-bench-docker-${process.pid}.sock`);
const needsSlipway = ['pipeline', 'parallel', 'livelog', 'burst', 'cache', 'collect'].some((p) => parts.has(p));
const slipway = needsSlipway
  ? await startSlipwayProcesses({
      standIn,
      redisUrl: await freshRedisUrl(9),
      instance: testInstance('bench'),
      dockerHost: calls.socket,
      env: {
        SLIPWAY_EXECUTOR_CONCURRENCY: String(BURST_CONCURRENCY),
        SLIPWAY_GITHUB_WRITE_GAP_MS: writeGap,
        SLIPWAY_CACHE_DIR: mkdtempSync(join(tmpdir(), 'slipway-bench-caches-')),
        SLIPWAY_ARTIFACTS_DIR: mkdtempSync(join(tmpdir(), 'slipway-bench-artifacts-')),
      },
    })
  : undefined;
try {
  if (slipway && parts.has('pipeline')) await pipelineBench(slipway, standIn, docker, calls);
  if (slipway && parts.has('parallel')) await parallelBench(slipway, standIn, docker);
  if (slipway && parts.has('livelog')) await liveLogBench(slipway, standIn, 'idle');
  if (slipway && parts.has('burst')) await burstBench(slipway, standIn, docker, calls);
  if (slipway && parts.has('cache')) await cacheBench(slipway, standIn);
  if (slipway && parts.has('collect')) await collectBench(slipway, standIn);
} finally {
  await slipway?.stop();
}
if (parts.has('intake')) await intakeBench(10);
await calls.stop();
await standIn.stop();
process.exit(0);
