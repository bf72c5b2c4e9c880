import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createLogger, type Logger } from '../../services/shared/logger.js';
import { QUEUES, type BuildJob, type RequestJob, type StatusJob } from '../../services/shared/queues.js';
import { GitHubStandIn, rateLimitExceeded } from '../support/github-stand-in.js';
import {
  eventually,
  freshRedisUrl,
  startSlipway,
  WEBHOOK_SECRET,
  type RunningSlipway,
} from '../support/slipway-harness.js';
import { pushPayload, signedHeaders } from '../support/webhook-payloads.js';

const OWNER = 'acme';
const REPO = 'billing';

/** Planner and reporter against real Redis and the stand-in; no executor, so builds stay queued. */
describe('planning a pushed commit and reporting its statuses', () => {
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  let redis: Redis;
  let builds: Queue<BuildJob>;
  let statusJobs: Queue<StatusJob>;
  let requestJobs: Queue<RequestJob>;
  /** What the services logged, for the lines a person would read when something failed. */
  const logged: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
  const echo = createLogger('test', process.env.SLIPWAY_TEST_LOG !== '1');
  const record =
    (level: 'info' | 'warn' | 'error') =>
    (msg: string, fields: Record<string, unknown> = {}) => {
      logged.push({ level, msg, fields });
      echo[level](msg, fields);
    };
  // Child loggers record into the same list (their bindings are not needed here).
  const logger = { info: record('info'), warn: record('warn'), error: record('error'), child: () => logger } as Logger;

  beforeAll(async () => {
    const redisUrl = await freshRedisUrl(3);
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    await standIn.createRepo(OWNER, REPO);
    slipway = await startSlipway({ standIn, redisUrl, executor: false, logger });
    // To read back what the services queued.
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    builds = new Queue<BuildJob>(QUEUES.builds, { connection: redis });
    statusJobs = new Queue<StatusJob>(QUEUES.statuses, { connection: redis });
    requestJobs = new Queue<RequestJob>(QUEUES.requests, { connection: redis });
  });

  afterAll(async () => {
    await requestJobs?.close();
    await statusJobs?.close();
    await builds?.close();
    redis?.disconnect();
    await slipway?.close();
    await standIn?.stop();
  });

  let n = 0;
  async function push(files: Record<string, string>): Promise<{ sha: string; build: string }> {
    const sha = await standIn.commit(OWNER, REPO, 'master', files);
    const body = JSON.stringify(
      pushPayload({
        owner: OWNER,
        repo: REPO,
        cloneUrl: `https://github.com/${OWNER}/${REPO}.git`,
        branch: 'master',
        before: '0'.repeat(40),
        after: sha,
      }),
    );
    const res = await fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders('push', body, WEBHOOK_SECRET, `planner-${++n}`),
      body,
    });
    expect(res.status).toBe(202);
    return { sha, build: ((await res.json()) as { build: string }).build };
  }

  const specStatus = (sha: string) =>
    eventually('a slipway/spec status', () => standIn.latestStatus(OWNER, REPO, sha, 'slipway/spec'), 15_000);

  it('an invalid spec ends as a failure status that says what and where, and queues no build', async () => {
    const { sha, build } = await push({
      '.buildspec.yml': 'test:\n  - name: unit\n    image: slipway/busybox:1\n    comands: [make test]\n',
    });
    const status = await specStatus(sha);
    expect(status.state).toBe('failure');
    expect(status.description).toBe(
      '.buildspec.yml:2:5 /test/0: missing required key "commands" or "script" (+1 more)',
    );
    expect(status.target_url).toBe(`${slipway.config.publicUrl}/builds/${build}`);
    const record = (await (await fetch(`${slipway.url}/builds/${build}`)).json()) as {
      state: string;
      specIssues: Array<{ line: number; column: number; message: string; hint?: string }>;
    };
    expect(record.state).toBe('failure');
    expect(record.specIssues).toContainEqual(
      expect.objectContaining({
        line: 4,
        column: 5,
        message: 'unknown key "comands"',
        hint: 'did you mean "commands"?',
      }),
    );
    expect(await builds.getJob(build)).toBeUndefined();
  });

  it('a YAML syntax error gives its line and column', async () => {
    const { sha } = await push({ '.buildspec.yml': 'test:\n  - name: unit\n   image: x\n' });
    expect((await specStatus(sha)).description).toMatch(/^\.buildspec\.yml:3:\d+: YAML syntax error: /);
  });

  it('a commit without .buildspec.yml says so', async () => {
    await standIn.createRepo(OWNER, 'nospec');
    const sha = await standIn.commit(OWNER, 'nospec', 'master', { 'README.md': 'hi\n' });
    const body = JSON.stringify(
      pushPayload({
        owner: OWNER,
        repo: 'nospec',
        cloneUrl: `https://github.com/${OWNER}/nospec.git`,
        branch: 'master',
        before: '0'.repeat(40),
        after: sha,
      }),
    );
    await fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders('push', body, WEBHOOK_SECRET, 'planner-nospec'),
      body,
    });
    const status = await eventually(
      'a status',
      () => standIn.latestStatus(OWNER, 'nospec', sha, 'slipway/spec'),
      15_000,
    );
    expect(status).toMatchObject({
      state: 'failure',
      description: `No .buildspec.yml at the root of the repository at ${sha.slice(0, 7)}`,
    });
  });

  it('a valid spec queues the build and posts pending on each stage once, retrying while GitHub fails', async () => {
    standIn.failNext(2, 502);
    const { sha, build } = await push({
      '.buildspec.yml':
        'test:\n' +
        '  - {name: unit, image: slipway/busybox:1, commands: [echo ok]}\n' +
        'deploy:\n' +
        '  - {name: ship, image: slipway/busybox:1, commands: [echo ok]}\n',
    });
    const job = await eventually('the build job', async () => (await builds.getJob(build)) ?? undefined, 15_000);
    expect(job.data.plan.stages.map((s) => s.name)).toEqual(['test', 'deploy']);
    await eventually(
      'pending on both stages',
      () =>
        standIn.latestStatus(OWNER, REPO, sha, 'slipway/test') &&
        standIn.latestStatus(OWNER, REPO, sha, 'slipway/deploy')
          ? true
          : undefined,
      30_000,
    );
    const posted = standIn.statuses(OWNER, REPO, sha);
    expect(posted.map((s) => `${s.context} ${s.state} ${s.description}`).sort()).toEqual([
      'slipway/deploy pending Queued',
      'slipway/test pending Queued',
    ]);
    expect(standIn.violations).toEqual([]);
  });

  const ONE_STAGE = { '.buildspec.yml': 'test:\n  - {name: unit, image: slipway/busybox:1, commands: [echo ok]}\n' };
  /** The requests made to GitHub while `action` ran, as `status operationId`. */
  async function requestsDuring(action: () => Promise<unknown>): Promise<string[]> {
    const before = standIn.requests.length;
    await action();
    return standIn.requests.slice(before).map((r) => `${r.status} ${r.operationId}`);
  }
  /** A line the services logged, with at least these fields. */
  const line = (level: string, msg: string, fields: Record<string, unknown>) =>
    expect.objectContaining({ level, msg, fields: expect.objectContaining(fields) });
  const pendingOn = (sha: string, context: string) =>
    eventually(`pending on ${context}`, () => standIn.latestStatus(OWNER, REPO, sha, context), 30_000);

  // Issue 9's acceptance criterion, word for word.
  const RATE_LIMITED_SPEC = [
    'A spec fetch answered first by a 403 with x-ratelimit-remaining: 0',
    'and then by 200 still builds and posts its statuses',
  ].join(' ');
  it(RATE_LIMITED_SPEC, async () => {
    standIn.failNext(1, rateLimitExceeded(new Date(Date.now() + 1_000)), 'repos/get-content');
    let pushed = { sha: '', build: '' };
    const made = await requestsDuring(async () => {
      pushed = await push({
        '.buildspec.yml':
          'test:\n' +
          '  - {name: unit, image: slipway/busybox:1, commands: [echo ok]}\n' +
          'e2e:\n' +
          '  - {name: browser, image: slipway/busybox:1, commands: [echo ok]}\n',
      });
      await eventually('the build job', async () => (await builds.getJob(pushed.build)) ?? undefined, 30_000);
      await pendingOn(pushed.sha, 'slipway/test');
      await pendingOn(pushed.sha, 'slipway/e2e');
    });
    expect(made.filter((r) => r.endsWith('repos/get-content'))).toEqual([
      '403 repos/get-content',
      '200 repos/get-content',
    ]);
    expect(standIn.statuses(OWNER, REPO, pushed.sha).map((s) => `${s.context} ${s.state}`)).toEqual(
      expect.arrayContaining(['slipway/test pending', 'slipway/e2e pending']),
    );
    expect(standIn.latestStatus(OWNER, REPO, pushed.sha, 'slipway/spec')).toBeUndefined();
    expect(standIn.violations).toEqual([]);
  });

  it('a spec fetch rate-limited for longer than the client waits is retried by its job, and builds', async () => {
    // The client waits a spent rate limit out twice; the third 403 fails the job's attempt, which BullMQ retries.
    standIn.failNext(3, rateLimitExceeded(new Date(Date.now() + 1_000)), 'repos/get-content');
    const { sha, build } = await push(ONE_STAGE);
    await eventually('the build job', async () => (await builds.getJob(build)) ?? undefined, 60_000);
    await pendingOn(sha, 'slipway/test');
    const job = await eventually(
      'the completed request job',
      async () => (await requestJobs.getCompleted()).find((j) => j.data.request.sha === sha),
      10_000,
    );
    expect(job.attemptsMade).toBe(2);
    expect(logged).toContainEqual(
      line('warn', 'planning failed; will retry', { job: job.id, code: 'github-rate-limited' }),
    );
    expect(standIn.violations).toEqual([]);
  });

  it('a spec GitHub refuses for good ends as an error on slipway/spec that says so, after one try', async () => {
    standIn.failNext(1, { status: 403, message: 'Resource not accessible by integration' }, 'repos/get-content');
    let pushed = { sha: '', build: '' };
    const made = await requestsDuring(async () => {
      pushed = await push(ONE_STAGE);
      await eventually('slipway/spec', () => standIn.latestStatus(OWNER, REPO, pushed.sha, 'slipway/spec'), 30_000);
    });
    expect(standIn.latestStatus(OWNER, REPO, pushed.sha, 'slipway/spec')).toMatchObject({
      state: 'error',
      description: 'Slipway could not read .buildspec.yml: GitHub answered 403: Resource not accessible by integration',
      target_url: `${slipway.config.publicUrl}/builds/${pushed.build}`,
    });
    expect(made.filter((r) => r.endsWith('repos/get-content'))).toEqual(['403 repos/get-content']);
    const record = (await (await fetch(`${slipway.url}/builds/${pushed.build}`)).json()) as { state: string };
    expect(record.state).toBe('error');
    expect(await builds.getJob(pushed.build)).toBeUndefined();
    expect(logged).toContainEqual(
      line('error', 'planning failed; giving up', { code: 'github-forbidden', retryable: false }),
    );
    expect(standIn.violations).toEqual([]);
  });

  it('a status post answered 422 is not retried for hours: the job fails once, and the log says why', async () => {
    standIn.failNext(1, { status: 422, message: 'Validation Failed' }, 'repos/create-commit-status');
    let sha = '';
    let failed: Awaited<ReturnType<typeof statusJobs.getFailed>>[number] | undefined;
    const made = await requestsDuring(async () => {
      ({ sha } = await push(ONE_STAGE));
      failed = await eventually(
        'the failed status job',
        async () => (await statusJobs.getFailed()).find((j) => j.data.sha === sha),
        30_000,
      );
    });
    if (!failed) throw new Error('no failed job');
    expect(made.filter((r) => r.endsWith('repos/create-commit-status'))).toEqual(['422 repos/create-commit-status']);
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toBe('GitHub answered 422: Validation Failed');
    expect(await failed.getState()).toBe('failed');
    expect(standIn.latestStatus(OWNER, REPO, sha, 'slipway/test')).toBeUndefined();
    expect(logged).toContainEqual(
      line('error', 'status not posted; giving up', {
        job: failed.id,
        code: 'github-validation',
        reason: 'GitHub answered 422: Validation Failed',
      }),
    );
  });

  it('a status post answered 502 for longer than the client retries is retried by its job, and lands', async () => {
    // The client itself retries a 5xx three times; the fourth 502 fails the job's first attempt.
    standIn.failNext(4, 502, 'repos/create-commit-status');
    const { sha } = await push(ONE_STAGE);
    const status = await pendingOn(sha, 'slipway/test');
    expect(status).toMatchObject({ state: 'pending', description: 'Queued' });
    const job = await eventually(
      'the completed status job',
      async () => (await statusJobs.getCompleted()).find((j) => j.data.sha === sha),
      10_000,
    );
    expect(job.attemptsMade).toBe(2);
    expect(logged).toContainEqual(
      line('warn', 'status not posted; will retry', { job: job.id, code: 'github-unavailable' }),
    );
    expect(standIn.violations).toEqual([]);
  });
});
