import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { buildIdFor } from '../../services/core/plan/naming.js';
import { createLogger } from '../../services/shared/logger.js';
import { startReconciler, type RunningReconciler } from '../../services/reconciler/start-reconciler.js';
import { createdServices } from '../support/docker-events.js';
import { GitHubStandIn, type DeliveryAttempt } from '../support/github-stand-in.js';
import { RedisHa } from '../support/redis-ha.js';
import {
  eventually,
  startSlipway,
  testInstance,
  WEBHOOK_SECRET,
  type RunningSlipway,
} from '../support/slipway-harness.js';
import { deliverPush } from '../support/hook-push.js';

const OWNER = 'acme';
const REPO = 'failover';
const SPEC = `version: 1
test:
  - name: unit
    image: slipway/busybox:1
    commands: [sleep 3, echo "built"]
`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Redis behind three Sentinels (scripts/redis-ha.sh) while builds run: a Sentinel failover,
 * then the new primary SIGKILLed (Sentinel promotes the other) and restarted as a replica,
 * each with pushes arriving. Slipway's services reconnect on their own; every delivery that
 * got a 2xx is one build, the ones that did not are redelivered by the reconciler, and every
 * build ends green with each step's service created once.
 */
describe('Redis fails over during builds: nothing accepted is lost, services reconnect', () => {
  const ha = new RedisHa();
  const docker = new Docker();
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  let reconciler: RunningReconciler;
  let hookId: number;
  const since = Math.floor(Date.now() / 1000);
  const shas = new Map<string, string>();
  const attempts: DeliveryAttempt[] = [];

  beforeAll(async () => {
    await ha.script('purge');
    await ha.script('start');
    process.env.SLIPWAY_TEST_INSTANCE = testInstance('redis-ha');
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    await standIn.createRepo(OWNER, REPO);
    for (const phase of ['a', 'b', 'c']) {
      for (let i = 1; i <= 4; i++) {
        const branch = `${phase}${i}`;
        shas.set(branch, await standIn.commit(OWNER, REPO, branch, { 'README.md': branch, '.buildspec.yml': SPEC }));
      }
    }
    slipway = await startSlipway({ standIn, redisUrl: ha.url, env: { SLIPWAY_RECONCILE_MIN_AGE_MS: '0' } });
    hookId = standIn.addWebhook({ kind: 'repo', owner: OWNER, repo: REPO }, `${slipway.url}/webhooks`, WEBHOOK_SECRET);
    const logger = createLogger('test', process.env.SLIPWAY_TEST_LOG !== '1');
    reconciler = startReconciler(
      {
        ...slipway.config,
        webhookHooks: [{ kind: 'repo', owner: OWNER, repo: REPO, hookId }],
        reconcileIntervalMs: 5_000,
      },
      logger,
    );
  }, 60_000);

  afterAll(async () => {
    await reconciler?.close();
    await slipway?.close();
    await standIn?.stop();
    await ha.script('purge');
  });

  const push = async (branch: string) => {
    attempts.push(await deliverPush(standIn, hookId, { owner: OWNER, repo: REPO, branch, sha: shas.get(branch)! }));
  };
  /** Pushes a phase's four branches, a few hundred ms apart, while `during` runs. */
  const phase = async (name: string, during: () => Promise<void>) => {
    const pushes = (async () => {
      for (let i = 1; i <= 4; i++) {
        await push(`${name}${i}`);
        await sleep(400);
      }
    })();
    await Promise.all([pushes, during()]);
  };

  it('builds every push once through a Sentinel failover and a SIGKILLed primary', async () => {
    const first = await ha.primaryPort();
    await phase('a', async () => undefined);

    // A failover Sentinel runs (the replica promoted, the primary demoted) while pushes come in.
    const failoverAt = Date.now();
    await phase('b', async () => {
      await sleep(300);
      await ha.script('failover');
      await eventually(
        'the replica to be promoted',
        async () => ((await ha.primaryPort()) !== first ? true : undefined),
        30_000,
      );
    });
    const failoverMs = Date.now() - failoverAt;

    // The new primary is SIGKILLed (once the demoted one has caught up as its replica: one
    // failure at a time): Sentinel promotes the other; then the killed one is started again.
    const second = await ha.primaryPort();
    await eventually(
      'the demoted node to sync',
      async () => ((await ha.replicaSynced(first)) ? true : undefined),
      60_000,
    );
    const killedAt = Date.now();
    await phase('c', async () => {
      await sleep(300);
      await ha.kill(second);
      await eventually(
        'Sentinel to promote the other node',
        async () => ((await ha.primaryPort()) !== second ? true : undefined),
        30_000,
      );
      await ha.script('start');
    });
    const promotedMs = Date.now() - killedAt;

    await eventually(
      'every push to be built',
      async () => {
        const states = [...shas.values()].map((sha) => standIn.latestStatus(OWNER, REPO, sha, 'slipway/test')?.state);
        return states.every((s) => s === 'success') ? true : undefined;
      },
      240_000,
    );
    // A delivery answered 503 (its job stored, but no replica confirmed it in time) may have
    // been built already; its next redelivery is then answered 202 and changes nothing.
    const answeredOk = (guid: string) =>
      standIn.webhookAttempts(hookId).some((a) => a.guid === guid && a.status_code >= 200 && a.status_code < 300);
    await eventually(
      'every delivery to have a 2xx',
      async () => (attempts.every((a) => answeredOk(a.guid)) ? true : undefined),
      90_000,
    );
    await standIn.redeliveriesSettled();

    const accepted = attempts.filter((a) => a.status_code >= 200 && a.status_code < 300);
    const refused = attempts.filter((a) => !(a.status_code >= 200 && a.status_code < 300));
    const all = standIn.webhookAttempts(hookId);
    const redelivered = all.filter((a) => a.redelivery);
    const ok = (a: DeliveryAttempt) => a.status_code >= 200 && a.status_code < 300;
    // Every refused delivery was asked for again until one attempt of it got a 2xx (five
    // rounds at most), and none that had a 2xx was asked for.
    for (const a of refused) {
      const rounds = redelivered.filter((r) => r.guid === a.guid);
      expect(rounds.length).toBeGreaterThan(0);
      expect(rounds.length).toBeLessThanOrEqual(5);
      expect(rounds.some(ok)).toBe(true);
    }
    expect(redelivered.filter((r) => accepted.some((a) => a.guid === r.guid))).toEqual([]);

    // One build per push, each green; no step's service was created twice.
    const builds = await slipway.builds.recent(100);
    if (process.env.DEBUG_HA) {
      console.info(JSON.stringify(attempts.map((a) => [a.guid, a.status_code, JSON.parse(a.body).ref])));
      console.info(JSON.stringify(all.map((a) => [a.guid, a.status_code, a.redelivery])));
      console.info(JSON.stringify(builds.map((b) => [b.id, b.request.id, b.request.ref, b.state])));
    }
    // Each delivery's build (its id is derived from the delivery id) is recorded and green. (The
    // recent list, a separate index, can miss one whose first write fell in a failover's window.)
    const records = await Promise.all(attempts.map((a) => slipway.builds.get(buildIdFor(a.guid))));
    expect(records.map((r) => [r?.request.ref, r?.state]).sort()).toEqual(
      [...shas.keys()].sort().map((branch) => [`refs/heads/${branch}`, 'success']),
    );
    const listed = builds.length;
    const created = (await createdServices(docker, since)).filter((n) => records.some((b) => n.includes(b!.id)));
    expect(new Set(created).size).toBe(created.length);
    // (The engine keeps its last 256 events only, on a swarm others use too: no count of them here.)
    expect(created.every((n) => /-1$/.test(n))).toBe(true);
    expect(standIn.violations).toEqual([]);

    console.info(
      `redis failover: ${attempts.length} pushes, ${accepted.length} answered 2xx, ${refused.length} refused ` +
        `(then redelivered, ${redelivered.length} redeliveries); Sentinel failover seen in ${failoverMs} ms, ` +
        `promotion after SIGKILL in ${promotedMs} ms; ${listed} of ${records.length} in the recent list`,
    );
  }, 360_000);
});
