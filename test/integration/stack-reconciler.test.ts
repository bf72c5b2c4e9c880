import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { createLogger } from '../../services/shared/logger.js';
import { redisState } from '../../services/shared/redis/redis-state.js';
import { startReconciler, type RunningReconciler } from '../../services/reconciler/start-reconciler.js';
import { GitHubStandIn } from '../support/github-stand-in.js';
import {
  eventually,
  freePort,
  freshRedisUrl,
  requestJobCount,
  startSlipway,
  WEBHOOK_SECRET,
  type RunningSlipway,
} from '../support/slipway-harness.js';
import { deliverPush } from '../support/hook-push.js';

const OWNER = 'acme';
const REPO = 'reconciled';
const SPEC = `version: 1
test:
  - name: unit
    image: slipway/busybox:1
    commands: [echo "built"]
`;

/**
 * The reconciler end to end: Slipway's receiver is stopped while GitHub (the stand-in) makes
 * deliveries, which fail to connect; once it is back, the reconciler of each of two replicas
 * lists the hook's deliveries, GitHub is asked to redeliver each failed one once, and each
 * delivery is built once, on the real swarm.
 */
describe('deliveries made while the receiver was stopped are redelivered and built once', () => {
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway | undefined;
  let redisUrl: string;
  let port: number;
  let hookId: number;
  const reconcilers: RunningReconciler[] = [];
  const shas: Record<string, string> = {};

  beforeAll(async () => {
    redisUrl = await freshRedisUrl(3);
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    await standIn.createRepo(OWNER, REPO);
    for (const branch of ['up', 'down-1', 'down-2', 'down-3']) {
      shas[branch] = await standIn.commit(OWNER, REPO, branch, { 'README.md': branch, '.buildspec.yml': SPEC });
    }
    port = await freePort();
    hookId = standIn.addWebhook(
      { kind: 'repo', owner: OWNER, repo: REPO },
      `http://127.0.0.1:${port}/webhooks`,
      WEBHOOK_SECRET,
    );
  });

  afterAll(async () => {
    for (const reconciler of reconcilers) await reconciler.close();
    await slipway?.close();
    await standIn?.stop();
  });

  const start = () =>
    startSlipway({
      standIn,
      redisUrl,
      env: {
        SLIPWAY_PORT: String(port),
        SLIPWAY_WEBHOOK_HOOKS: `${OWNER}/${REPO}#${hookId}`,
        SLIPWAY_RECONCILE_DELAY_MS: '200',
        SLIPWAY_RECONCILE_MIN_AGE_MS: '0',
      },
    });
  const push = (branch: string) =>
    deliverPush(standIn, hookId, { owner: OWNER, repo: REPO, branch, sha: shas[branch]! });

  it('redelivers what failed while it was down, once, and builds each delivery once', async () => {
    slipway = await start();
    const up = await push('up');
    expect(up.status_code).toBe(202);
    await slipway.close();
    slipway = undefined;

    const down = await Promise.all(['down-1', 'down-2', 'down-3'].map(push));
    expect(down.map((d) => [d.status_code, d.status])).toEqual(Array(3).fill([0, 'failed to connect']));

    slipway = await start();
    const logger = createLogger('test', process.env.SLIPWAY_TEST_LOG !== '1');
    // Two receiver replicas, each with its reconciler, passing at start-up and again at once.
    for (let i = 0; i < 2; i++) reconcilers.push(startReconciler(slipway.config, logger));
    await Promise.all(reconcilers.map((r) => r.passNow()));

    await eventually(
      'the redelivered pushes to be built',
      async () => {
        const states = Object.values(shas).map((sha) => standIn.latestStatus(OWNER, REPO, sha, 'slipway/test')?.state);
        return states.every((s) => s === 'success') ? true : undefined;
      },
      90_000,
    );
    await standIn.redeliveriesSettled();

    const attempts = standIn.webhookAttempts(hookId);
    const redelivered = attempts.filter((a) => a.redelivery);
    expect(redelivered.map((a) => a.guid).sort()).toEqual(down.map((d) => d.guid).sort());
    expect(redelivered.every((a) => a.status_code === 202)).toBe(true);
    // One request job and one build per delivery; each branch built once.
    expect(await requestJobCount(redisUrl)).toBe(4);
    const builds = await slipway.builds.recent(50);
    expect(builds.map((b) => b.request.ref).sort()).toEqual(
      ['down-1', 'down-2', 'down-3', 'up'].map((b) => `refs/heads/${b}`),
    );
    const state = redisState(redisUrl, { logger, role: 'test-check' });
    try {
      for (const d of down) {
        expect(await state.redeliveries.get(`${OWNER}/${REPO}#${hookId}`, d.guid, 0)).toMatchObject({
          attemptId: d.id,
        });
      }
    } finally {
      await state.close();
    }

    // Later passes ask for nothing more.
    const later = await Promise.all(reconcilers.map((r) => r.passNow()));
    expect(later.flatMap((r) => r.asked)).toEqual([]);
    expect(standIn.webhookAttempts(hookId)).toHaveLength(attempts.length);
    expect(standIn.violations).toEqual([]);
  }, 150_000);
});
