import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { QUEUES } from '../../services/shared/queues.js';
import { appKeys } from '../support/github-app-keys.js';
import { watchSwarmEvents, type SwarmEventLog } from '../support/docker-events.js';
import {
  GitHubStandIn,
  lostAnswer,
  rateLimitExceeded,
  secondaryRateLimit,
  serverError,
  type RecordedRequest,
} from '../support/github-stand-in.js';
import {
  eventually,
  freshRedisUrl,
  startSlipway,
  WEBHOOK_SECRET,
  type RunningSlipway,
} from '../support/slipway-harness.js';
import { pushPayload, signedHeaders } from '../support/webhook-payloads.js';

const OWNER = 'acme';
const REPO = 'flaky-github';
const SPEC = `test:
  - {name: unit, image: slipway/busybox:1, commands: ["true"]}
deploy:
  environments:
    staging:
      branch: master
      url: https://staging.example.com
      steps:
        - {name: ship, image: slipway/busybox:1, commands: ["echo shipped"]}
`;
const WRITES = new Set(['repos/create-commit-status', 'repos/create-deployment', 'repos/create-deployment-status']);
const docker = new Docker();

/**
 * GitHub failing the writes a build makes (commit statuses, the deployment and its statuses)
 * with the answers GitHub gives: 500 and 502, a 502 after the write went through, a spent rate
 * limit (403, `x-ratelimit-remaining: 0`, `x-ratelimit-reset`) and secondary limits (429,
 * `Retry-After`), one of them lasting past the client's own retries. The statuses and the one
 * deployment end right, every retry came no sooner than GitHub said, and the build ran once.
 */
describe('GitHub answering 500, 502, 403 rate limited and 429 during a build', () => {
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  let redisUrl: string;

  beforeAll(async () => {
    redisUrl = await freshRedisUrl(9);
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    await standIn.createRepo(OWNER, REPO);
    // No pacing between writes: the waits measured are GitHub's, not Slipway's own gap.
    slipway = await startSlipway({ standIn, redisUrl, env: { SLIPWAY_GITHUB_WRITE_GAP_MS: '0' } });
  });

  afterAll(async () => {
    await slipway?.close();
    await standIn?.stop();
  });

  it('ends the statuses and the deployment right, retried no sooner than GitHub said, the build run once', async () => {
    const events = await watchSwarmEvents(docker);
    const sha = await standIn.commit(OWNER, REPO, 'master', { '.buildspec.yml': SPEC });
    const inSeconds = (s: number) => (now: Date) => rateLimitExceeded(new Date(now.getTime() + s * 1000));
    // Statuses: two 5xx the client retries in place, a spent limit and a secondary one it waits out.
    standIn.failNext(1, serverError(500), 'repos/create-commit-status');
    standIn.failNext(1, serverError(502), 'repos/create-commit-status');
    standIn.failNext(1, inSeconds(3), 'repos/create-commit-status');
    standIn.failNext(1, secondaryRateLimit(2), 'repos/create-commit-status');
    // The deployment: a secondary limit, then created with its answer lost (502).
    standIn.failNext(1, secondaryRateLimit(1), 'repos/create-deployment');
    standIn.failNext(1, lostAnswer(502), 'repos/create-deployment');
    // Its statuses: a spent limit, then secondary limits past the client's two waits: the job waits the last.
    standIn.failNext(1, inSeconds(2), 'repos/create-deployment-status');
    standIn.failNext(3, secondaryRateLimit(1), 'repos/create-deployment-status');

    const body = JSON.stringify(
      pushPayload({
        owner: OWNER,
        repo: REPO,
        cloneUrl: `https://github.com/${OWNER}/${REPO}.git`,
        branch: 'master',
        before: '1'.repeat(40),
        after: sha,
      }),
    );
    const res = await fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders('push', body, WEBHOOK_SECRET, randomUUID()),
      body,
    });
    expect(res.status).toBe(202);
    const { build } = (await res.json()) as { build: string };

    const final = (context: string) =>
      eventually(
        `a final ${context}`,
        () => {
          const s = standIn.latestStatus(OWNER, REPO, sha, context);
          return s && s.state !== 'pending' ? s : undefined;
        },
        120_000,
      );
    expect(await final('slipway/test')).toMatchObject({ state: 'success' });
    expect(await final('slipway/deploy/staging')).toMatchObject({ state: 'success' });
    const deployments = await eventually(
      'the deployment to succeed',
      () => {
        const all = standIn.deployments(OWNER, REPO);
        return all.some((d) => d.statuses.at(-1)?.state === 'success') ? all : undefined;
      },
      120_000,
    );
    // One deployment, though its first answer was lost; its statuses in order, each once.
    expect(deployments.map((d) => ({ environment: d.environment, sha: d.sha }))).toEqual([
      { environment: 'staging', sha },
    ]);
    expect(deployments[0]!.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect((await slipway.builds.get(build))?.state).toBe('success');

    // Every injected failure was answered, and each was asked again, no sooner than GitHub said.
    const writes = standIn.requests.filter((r) => WRITES.has(r.operationId ?? ''));
    const failed = writes.filter((r) => r.status >= 400);
    expect(failed.map((r) => `${r.status} ${r.operationId}`).sort()).toEqual(
      [
        '500 repos/create-commit-status',
        '502 repos/create-commit-status',
        '403 repos/create-commit-status',
        '429 repos/create-commit-status',
        '502 repos/create-deployment',
        '429 repos/create-deployment',
        '403 repos/create-deployment-status',
        '429 repos/create-deployment-status',
        '429 repos/create-deployment-status',
        '429 repos/create-deployment-status',
      ].sort(),
    );
    const waits = retriesHonoured(failed, writes, ['502 repos/create-deployment']);
    expect(waits).toHaveLength(7);

    await ranOnce(build, events, redisUrl, ['unit', 'ship']);
    // Every request and answer, the injected error bodies included, is as GitHub's description says.
    expect(standIn.violations).toEqual([]);
    console.info(`GitHub faults (token): ${failed.length} failed writes, all retried\n  ${waits.join('\n  ')}`);
  }, 240_000);
});

describe('GitHub answering 500, 502 and 429 to the check runs of an App', () => {
  const APP = '4290';
  const INSTALLATION = 81;
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  let redisUrl: string;

  beforeAll(async () => {
    redisUrl = await freshRedisUrl(9);
    // Only the installation's tokens will do.
    standIn = await GitHubStandIn.start({ token: 'not-slipways' });
    const keys = appKeys();
    standIn.registerApp(APP, keys.publicKey, INSTALLATION, [`${OWNER}/${REPO}`]);
    await standIn.createRepo(OWNER, REPO);
    slipway = await startSlipway({
      standIn,
      redisUrl,
      env: {
        SLIPWAY_GITHUB_TOKEN: '',
        SLIPWAY_GITHUB_APP_ID: APP,
        SLIPWAY_GITHUB_APP_PRIVATE_KEY: keys.privateKey,
        SLIPWAY_GITHUB_WRITE_GAP_MS: '0',
      },
    });
  });

  afterAll(async () => {
    await slipway?.close();
    await standIn?.stop();
  });

  it('makes each check run once, completes it, and waits as GitHub said', async () => {
    const events = await watchSwarmEvents(docker);
    const sha = await standIn.commit(OWNER, REPO, 'feature', { '.buildspec.yml': SPEC });
    // The run's create: a secondary limit, then made with its answer lost; its updates: 429, 500, 403.
    standIn.failNext(1, secondaryRateLimit(2), 'checks/create');
    standIn.failNext(1, lostAnswer(502), 'checks/create');
    standIn.failNext(1, secondaryRateLimit(1), 'checks/update');
    standIn.failNext(1, serverError(500), 'checks/update');
    standIn.failNext(1, (now) => rateLimitExceeded(new Date(now.getTime() + 2_000)), 'checks/update');
    const payload = {
      ...pushPayload({
        owner: OWNER,
        repo: REPO,
        cloneUrl: `https://github.com/${OWNER}/${REPO}.git`,
        branch: 'feature',
        before: '0'.repeat(40),
        after: sha,
      }),
      installation: { id: INSTALLATION, node_id: Buffer.from(`installation${INSTALLATION}`).toString('base64') },
    };
    const body = JSON.stringify(payload);
    const res = await fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders('push', body, WEBHOOK_SECRET, randomUUID()),
      body,
    });
    expect(res.status).toBe(202);
    const { build } = (await res.json()) as { build: string };
    // A branch no environment deploys: one stage, one run.
    const runs = await eventually(
      'the check run to complete',
      () => {
        const all = standIn.checkRuns(OWNER, REPO, sha);
        return all.length > 0 && all.every((r) => r.status === 'completed') ? all : undefined;
      },
      120_000,
    );
    expect(runs.map((r) => [r.name, r.conclusion])).toEqual([['slipway/test', 'success']]);
    expect(runs[0]!.history.filter((h) => h.startsWith('completed'))).toHaveLength(1);
    expect((await slipway.builds.get(build))?.state).toBe('success');

    const writes = standIn.requests.filter(
      (r) => r.operationId === 'checks/create' || r.operationId === 'checks/update',
    );
    const failed = writes.filter((r) => r.status >= 400);
    expect(failed.map((r) => `${r.status} ${r.operationId}`).sort()).toEqual(
      ['502 checks/create', '429 checks/create', '429 checks/update', '500 checks/update', '403 checks/update'].sort(),
    );
    const waits = retriesHonoured(failed, writes, ['502 checks/create']);
    expect(waits).toHaveLength(3);
    await ranOnce(build, events, redisUrl, ['unit']);
    expect(standIn.violations).toEqual([]);
    console.info(`GitHub faults (App): ${failed.length} failed check run writes, all retried\n  ${waits.join('\n  ')}`);
  }, 240_000);
});

/**
 * Checks that each failed write was asked again, no sooner than its `Retry-After` or reset
 * said, except `made` (`status operationId`), writes GitHub had carried out: those must not
 * be sent again. Returns a line per measured wait.
 */
function retriesHonoured(failed: RecordedRequest[], writes: RecordedRequest[], made: string[]): string[] {
  const waits: string[] = [];
  for (const failure of failed) {
    const again = retryOf(failure, writes);
    if (made.includes(`${failure.status} ${failure.operationId}`)) {
      expect(again).toBeUndefined();
      continue;
    }
    expect(again).toBeDefined();
    if (failure.retryNoSoonerThan === undefined) continue;
    expect(again!.receivedAt).toBeGreaterThanOrEqual(failure.retryNoSoonerThan);
    const asked = failure.retryNoSoonerThan - failure.receivedAt;
    waits.push(
      `${failure.status} ${failure.operationId}: asked to wait ${asked} ms, ` +
        `asked again after ${again!.receivedAt - failure.receivedAt} ms`,
    );
  }
  return waits;
}

/** The build ran once: one Swarm service per step (its first attempt), and its build job ran once. */
async function ranOnce(build: string, events: SwarmEventLog, redisUrl: string, steps: string[]): Promise<void> {
  events.stop();
  const services = events.createdServices.filter((n) => n.startsWith(`slw-${build}-`));
  expect(new Set(services).size).toBe(services.length);
  expect(services.every((n) => n.endsWith('-1'))).toBe(true);
  for (const step of steps) expect(services.filter((n) => n.startsWith(`slw-${build}-${step}-`))).toHaveLength(1);
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const builds = new Queue(QUEUES.builds, { connection });
  try {
    const job = await builds.getJob(build);
    expect(job?.attemptsMade).toBe(1);
    expect(await job?.getState()).toBe('completed');
  } finally {
    await builds.close();
    connection.disconnect();
  }
}

/** The next request after `failure` that asks the same again: same operation, path and body. */
function retryOf(failure: RecordedRequest, requests: RecordedRequest[]): RecordedRequest | undefined {
  const at = requests.indexOf(failure);
  const same = JSON.stringify(failure.body);
  return requests
    .slice(at + 1)
    .find((r) => r.operationId === failure.operationId && r.path === failure.path && JSON.stringify(r.body) === same);
}
