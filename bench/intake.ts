import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { projectRoot } from '../services/shared/project-root.js';
import { freePort, freshRedisUrl, requestJobCount, WEBHOOK_SECRET } from '../test/support/slipway-harness.js';
import { pushPayload, signedHeaders } from '../test/support/webhook-payloads.js';
import { ms, note, ratio, record } from './figures.js';
import { load, type LoadResult } from './load.js';
import { peakRssMb } from './slipway-processes.js';

const CONCURRENCY = 20;
const DURATION_MS = 10_000;

/** Webhook intake: signed pushes per second at concurrency 20 for 10 s, Slipway's receiver next to bare Koa. */
export async function intakeBench(redisDb: number): Promise<void> {
  // Every delivery a different push (its own commit): the receiver folds a body it has seen
  // under another delivery id into the same build, as GitHub's redeliveries are.
  const template = JSON.stringify(
    pushPayload({
      owner: 'bench',
      repo: 'intake',
      cloneUrl: 'https://github.com/bench/intake.git',
      branch: 'master',
      before: '0'.repeat(40),
      after: 'e'.repeat(40),
    }),
  );
  const run = (port: number, prefix: string) =>
    load({
      port,
      path: '/webhooks',
      request: (i) => {
        const sha = createHash('sha1').update(`${prefix}-${i}`).digest('hex');
        const body = template.replaceAll('e'.repeat(40), sha);
        return { body, headers: signedHeaders('push', body, WEBHOOK_SECRET, `${prefix}-${i}`) };
      },
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
    });

  const bare = await withServer('bare', {}, async (port) => {
    await run(port, 'warm-bare');
    return run(port, 'bare');
  });
  const redisUrl = await freshRedisUrl(redisDb);
  let accepted = 0;
  let warm = 0;
  const slipway = await withServer(
    'receiver',
    {
      SLIPWAY_REDIS_URL: redisUrl,
      SLIPWAY_WEBHOOK_SECRET: WEBHOOK_SECRET,
      SLIPWAY_GITHUB_TOKEN: 'unused',
      SLIPWAY_LOG_LEVEL: 'warn',
    },
    async (port, child) => {
      warm = (await run(port, 'warm')).statuses.get(202) ?? 0;
      const result = await run(port, 'slipway');
      accepted = result.statuses.get(202) ?? 0;
      note(`receiver peak RSS under this load: ${peakRssMb(child.pid!).toFixed(0)} MB`);
      return result;
    },
  );
  const jobs = await requestJobCount(redisUrl);
  record({
    what: 'webhook intake: bare Koa (reads body, 202), conc. 20, 10 s',
    value: `${Math.round(bare.perSecond)}/s`,
    against: `p50 ${ms(bare.p50)}, p99 ${ms(bare.p99)}`,
  });
  record({
    what: 'webhook intake: Slipway receiver (signed push → job)',
    value: `${Math.round(slipway.perSecond)}/s`,
    against:
      `${ratio(slipway.perSecond, bare.perSecond)} bare (target ≥ 0.70 ×); ` +
      `p50 ${ms(slipway.p50)}, p99 ${ms(slipway.p99)} (target < 20 ms)`,
    verdict: slipway.perSecond >= 0.7 * bare.perSecond && slipway.p99 < 20 ? 'met' : 'NOT met',
  });
  note(
    `answers: ${describe(slipway)}; request jobs queued: ${jobs} for ${accepted + warm} answered 202 ` +
      `(${jobs === accepted + warm ? 'each exactly once' : 'MISMATCH'})`,
  );
}

function describe(result: LoadResult): string {
  return [...result.statuses.entries()].map(([s, n]) => `${n} × ${s || 'connection error'}`).join(', ');
}

async function withServer<T>(
  mode: 'bare' | 'receiver',
  env: Record<string, string>,
  body: (port: number, child: ChildProcess) => Promise<T>,
): Promise<T> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(projectRoot(), 'dist', 'bench', 'intake-server.js'), mode], {
    env: { PATH: process.env.PATH ?? '', SLIPWAY_PORT: String(port), SLIPWAY_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`bench: the ${mode} server exited (${code})`)));
  });
  try {
    return await body(port, child);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  }
}
