import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startApprover } from '../../services/approver/start-approver.js';
import { startMerger } from '../../services/merger/start-merger.js';
import { startExecutor } from '../../services/executor/start-executor.js';
import { startPlanner } from '../../services/planner/start-planner.js';
import { startReceiver } from '../../services/receiver/start-receiver.js';
import { startReporter } from '../../services/reporter/start-reporter.js';
import { loadConfig, type Config } from '../../services/shared/config.js';
import { createLogger, type Logger } from '../../services/shared/logger.js';
import type { BuildStore } from '../../services/shared/ports/build-store.js';
import type { LogStore } from '../../services/shared/ports/log-store.js';
import { QUEUES, type QueueName, type QueuePayloads } from '../../services/shared/queues.js';
import { redisState } from '../../services/shared/redis/redis-state.js';
import type { Running } from '../../services/shared/service.js';
import type { Backend } from '../../services/executor/backend/types.js';
import type { GitHubStandIn } from './github-stand-in.js';
import type { Scope } from '../../services/core/auth/principal.js';
import { newPersonalToken } from '../../services/receiver/auth/secrets.js';

export { eventually } from './eventually.js';

export const REDIS_URL = process.env.SLIPWAY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The installation name of one test's Swarm objects. `SLIPWAY_TEST_TAG` sets several checkouts' tests apart on
 * one swarm: a reaper only touches its own installation's objects.
 */
export function testInstance(name: string): string {
  const tag = process.env.SLIPWAY_TEST_TAG;
  return tag ? `test-${tag}-${name}` : `test-${name}`;
}

/** A Redis database of its own for one test file, emptied first, so test files never share queues. */
export async function freshRedisUrl(db: number): Promise<string> {
  process.env.SLIPWAY_TEST_INSTANCE = testInstance(`db${db}`);
  const url = `${REDIS_URL}/${db}`;
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await redis.flushdb();
  } catch (err) {
    throw new Error(
      `Redis is required for this test and did not answer at ${url} (run scripts/infra.sh): ${(err as Error).message}`,
    );
  } finally {
    redis.disconnect();
  }
  return url;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningSlipway {
  url: string;
  config: Config;
  /**
   * A personal token of `login` with `scopes`, stored as the token routes store one (as if
   * `login` had signed in and made it): the bearer value to send.
   */
  personalToken(login: string, scopes: Scope[]): Promise<string>;
  /** The build records and logs Slipway keeps, read through its own Redis adapters. */
  builds: BuildStore;
  logs: LogStore;
  close(): Promise<void>;
}

export const WEBHOOK_SECRET = 'test-webhook-secret';

/**
 * Slipway in this process, wired to a GitHub stand-in and a Redis database of its own:
 * receiver, planner, reporter and executor (on the real swarm unless `executor: false`).
 * Clone URLs of github.com are rewritten to the stand-in's git daemon.
 */
export async function startSlipway(options: {
  standIn: GitHubStandIn;
  redisUrl: string;
  executor?: boolean;
  /** Run the merge queue's worker too (default false). */
  merger?: boolean;
  env?: Record<string, string>;
  /** Where the services log (default: stderr when SLIPWAY_TEST_LOG=1, else nowhere). */
  logger?: Logger;
  /** The executor's backend (default: the Swarm backend on this machine's engine), e.g. one on the multi-node swarm. */
  backend?: Backend;
}): Promise<RunningSlipway> {
  const port = await freePort();
  const gitBase = options.standIn.cloneUrl('x', 'y').replace(/x\/y\.git$/, '');
  const config = loadConfig({
    SLIPWAY_WEBHOOK_SECRET: WEBHOOK_SECRET,
    SLIPWAY_REDIS_URL: options.redisUrl,
    SLIPWAY_GITHUB_API_URL: options.standIn.apiUrl,
    SLIPWAY_GITHUB_TOKEN: 'test-token',
    SLIPWAY_PORT: String(port),
    SLIPWAY_CLONE_URL_REWRITE: `https://github.com/=${gitBase}`,
    SLIPWAY_SCHEDULING_TIMEOUT_MS: '20000',
    SLIPWAY_STEP_TIMEOUT_MS: '120000',
    // The stand-in has no secondary rate limit; writes stay one at a time, in order, without the 1 s gap.
    SLIPWAY_GITHUB_WRITE_GAP_MS: '0',
    // Each test file is its own installation: its reaper never touches another file's builds.
    SLIPWAY_INSTANCE: process.env.SLIPWAY_TEST_INSTANCE ?? 'test',
    // The example payloads are of public repositories, which the tests read without signing in.
    SLIPWAY_PUBLIC_READS: '1',
    // Artifacts in a folder of this run's own, never the working tree.
    SLIPWAY_ARTIFACTS_DIR: mkdtempSync(join(tmpdir(), 'slipway-artifacts-')),
    SLIPWAY_CACHE_DIR: mkdtempSync(join(tmpdir(), 'slipway-caches-')),
    ...options.env,
  });
  const logger = options.logger ?? createLogger('test', process.env.SLIPWAY_TEST_LOG !== '1');
  const parts: Running[] = [startPlanner(config, logger), startReporter(config, logger), startApprover(config, logger)];
  if (options.executor !== false) parts.push(await startExecutor(config, logger, options.backend));
  if (options.merger) parts.push(startMerger(config, logger));
  parts.push(await startReceiver(config, logger));
  const state = redisState(options.redisUrl, { logger, role: 'test' });
  return {
    // The port the receiver listens on (options.env may choose it).
    url: `http://127.0.0.1:${config.port}`,
    config,
    builds: state.builds,
    logs: state.logs,
    async personalToken(login, scopes) {
      const made = newPersonalToken();
      const { id, secretHash } = made;
      await state.tokens.create({
        id,
        owner: login,
        name: 'test',
        scopes,
        secretHash,
        createdAt: new Date().toISOString(),
      });
      return made.token;
    },
    async close() {
      for (const part of parts.reverse()) await part.close();
      await state.close();
    },
  };
}

/** A job of one queue, as BullMQ holds it (its payload), or undefined when there is none. */
export async function queuedJob<Q extends QueueName>(
  redisUrl: string,
  queue: Q,
  jobId: string,
): Promise<QueuePayloads[Q] | undefined> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const bull = new Queue<QueuePayloads[Q]>(QUEUES[queue], { connection });
  try {
    return ((await bull.getJob(jobId))?.data as QueuePayloads[Q] | undefined) ?? undefined;
  } finally {
    await bull.close();
    connection.disconnect();
  }
}

/** Counts of jobs in the requests queue, to prove what a webhook did or did not enqueue. */
export async function requestJobCount(redisUrl: string): Promise<number> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const queue = new Queue(QUEUES.requests, { connection });
  try {
    const counts = await queue.getJobCounts();
    return Object.values(counts).reduce((a, b) => a + b, 0);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
