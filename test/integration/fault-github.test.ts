import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { QUEUES } from '../../services/shared/queues.js';
import { createdServices } from '../support/docker-events.js';
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
    const since = Math.floor(Date.now() / 1000) - 1;
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
      headers: signedHeaders('push', body, WEBHOOK_SECRET, 'fa017000-0000-4000-8000-000000000001'),
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
    const waits: string[] = [];
    for (const failure of failed) {
      const again = retryOf(failure, writes);
      // The deployment whose answer was lost is there: it is found, not made again.
      if (failure.status === 502 && failure.operationId === 'repos/create-deployment') {
        expect(again).toBeUndefined();
        continue;
      }
      expect(again).toBeDefined();
      if (failure.retryNoSoonerThan !== undefined) {
        expect(again!.receivedAt).toBeGreaterThanOrEqual(failure.retryNoSoonerThan);
        const asked = failure.retryNoSoonerThan - failure.receivedAt;
        waits.push(
          `${failure.status} ${failure.operationId}: asked to wait ${asked} ms, ` +
            `asked again after ${again!.receivedAt - failure.receivedAt} ms`,
        );
      }
    }
    expect(waits).toHaveLength(7);

    // The build ran once: one Swarm service per step, each its first attempt, and one build job run.
    const services = (await createdServices(docker, since)).filter((n) => n.startsWith(`slw-${build}-`));
    expect(new Set(services).size).toBe(services.length);
    expect(services.every((n) => n.endsWith('-1'))).toBe(true);
    expect(services.filter((n) => n.startsWith(`slw-${build}-unit-`))).toHaveLength(1);
    expect(services.filter((n) => n.startsWith(`slw-${build}-ship-`))).toHaveLength(1);
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
    // Every request and answer, the injected error bodies included, is as GitHub's description says.
    expect(standIn.violations).toEqual([]);
    console.info(`GitHub faults: ${failed.length} failed writes, all retried\n  ${waits.join('\n  ')}`);
  }, 240_000);
});

/** The next request after `failure` that asks the same again: same operation, path and body. */
function retryOf(failure: RecordedRequest, requests: RecordedRequest[]): RecordedRequest | undefined {
  const at = requests.indexOf(failure);
  const same = JSON.stringify(failure.body);
  return requests
    .slice(at + 1)
    .find((r) => r.operationId === failure.operationId && r.path === failure.path && JSON.stringify(r.body) === same);
}
