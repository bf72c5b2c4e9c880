import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildIdFor } from '../../services/core/plan/naming.js';
import { projectRoot } from '../../services/shared/project-root.js';
import { createLogger } from '../../services/shared/logger.js';
import { redisState, type RedisState } from '../../services/shared/redis/redis-state.js';
import { GitHubStandIn, type DeliveryAttempt } from '../support/github-stand-in.js';
import { eventually, freePort, freshRedisUrl, requestJobCount, WEBHOOK_SECRET } from '../support/slipway-harness.js';
import { deliverPush } from '../support/hook-push.js';

const OWNER = 'acme';
const REPO = 'burst';
const DELIVERIES = 200;
const SPEC = `version: 1
test:
  - name: unit
    image: slipway/busybox:1
    commands: [echo ok]
`;

/**
 * `slipway server` (receiver, planner, reconciler) as its own process, SIGKILLed in the middle
 * of a burst of 200 deliveries (20 at a time) and started again: every delivery that got a 2xx
 * is exactly one build, and the reconciler has the others redelivered, so in the end every
 * delivery is exactly one build. No executor: the builds are recorded and queued, not run.
 */
describe('a receiver killed during a burst of 200 deliveries', () => {
  let standIn: GitHubStandIn;
  let redisUrl: string;
  let state: RedisState;
  let port: number;
  let hookId: number;
  let child: ChildProcess | undefined;
  const branches: string[] = [];
  const shas = new Map<string, string>();

  const startServer = async () => {
    child = spawn(process.execPath, [join(projectRoot(), 'dist', 'services', 'cli', 'slipway.js'), 'server'], {
      env: {
        PATH: process.env.PATH,
        SLIPWAY_REDIS_URL: redisUrl,
        SLIPWAY_WEBHOOK_SECRET: WEBHOOK_SECRET,
        SLIPWAY_PORT: String(port),
        SLIPWAY_HOST: '127.0.0.1',
        SLIPWAY_GITHUB_TOKEN: 'test-token',
        SLIPWAY_GITHUB_API_URL: standIn.apiUrl,
        SLIPWAY_GITHUB_WRITE_GAP_MS: '0',
        SLIPWAY_WEBHOOK_HOOKS: `${OWNER}/${REPO}#${hookId}`,
        SLIPWAY_RECONCILE_DELAY_MS: '500',
        SLIPWAY_RECONCILE_INTERVAL_MS: '3000',
        SLIPWAY_RECONCILE_MIN_AGE_MS: '0',
        // The requests the killed process had taken are planned again once their locks lapse.
        SLIPWAY_PLAN_LOCK_MS: '3000',
        SLIPWAY_LOG: process.env.SLIPWAY_TEST_LOG === '1' ? '' : 'silent',
      },
      stdio: ['ignore', 'ignore', process.env.SLIPWAY_TEST_LOG === '1' ? 'inherit' : 'ignore'],
    });
    await eventually(
      'the receiver to listen',
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        return res?.ok ? true : undefined;
      },
      30_000,
    );
  };

  beforeAll(async () => {
    redisUrl = await freshRedisUrl(6);
    state = redisState(redisUrl, { logger: createLogger('test', true), role: 'test' });
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    await standIn.createRepo(OWNER, REPO);
    for (let i = 0; i < DELIVERIES; i++) {
      const branch = `b${i}`;
      branches.push(branch);
      shas.set(branch, await standIn.commit(OWNER, REPO, branch, { 'README.md': branch, '.buildspec.yml': SPEC }));
    }
    port = await freePort();
    hookId = standIn.addWebhook(
      { kind: 'repo', owner: OWNER, repo: REPO },
      `http://127.0.0.1:${port}/webhooks`,
      WEBHOOK_SECRET,
    );
  }, 300_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    await state?.close();
    await standIn?.stop();
  });

  it('turns every delivery that got a 2xx into exactly one build, and redelivers the rest', async () => {
    await startServer();
    const attempts: DeliveryAttempt[] = [];
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < branches.length) {
        const branch = branches[next++]!;
        attempts.push(await deliverPush(standIn, hookId, { owner: OWNER, repo: REPO, branch, sha: shas.get(branch)! }));
        if (!killed && attempts.length >= 70) {
          killed = true;
          child!.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));
    const accepted = attempts.filter((a) => a.status_code === 202);
    const refused = attempts.filter((a) => a.status_code !== 202);
    expect(refused.length).toBeGreaterThan(0);

    // Every delivery that got a 202 was one request and is one build, even with the process gone.
    await startServer();
    await eventually(
      'every delivery to be one build',
      async () => {
        const records = await Promise.all(attempts.map((a) => state.builds.get(buildIdFor(a.guid))));
        return records.every(Boolean) ? true : undefined;
      },
      180_000,
    );
    for (const a of accepted)
      expect((await state.builds.get(buildIdFor(a.guid)))?.request.sha).toBe(JSON.parse(a.body).after);
    expect(await requestJobCount(redisUrl)).toBe(DELIVERIES);
    const builds = await state.builds.recent(DELIVERIES + 10);
    expect(builds).toHaveLength(DELIVERIES);
    expect(new Set(builds.map((b) => b.request.sha)).size).toBe(DELIVERIES);
    const redelivered = standIn.webhookAttempts(hookId).filter((a) => a.redelivery);
    expect(redelivered.filter((r) => accepted.some((a) => a.guid === r.guid))).toEqual([]);
    expect(standIn.violations).toEqual([]);
    console.info(
      `receiver burst: ${DELIVERIES} deliveries, ${accepted.length} answered 202 before and after the SIGKILL, ` +
        `${refused.length} refused and redelivered (${redelivered.length} redeliveries); every one built once`,
    );
  }, 400_000);
});
