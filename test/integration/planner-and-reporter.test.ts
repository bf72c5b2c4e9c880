import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GitHubStandIn } from '../support/github-stand-in.js';
import {
  eventually,
  freshRedisUrl,
  queuedJob,
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
  let redisUrl: string;

  beforeAll(async () => {
    redisUrl = await freshRedisUrl(3);
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    await standIn.createRepo(OWNER, REPO);
    slipway = await startSlipway({ standIn, redisUrl, executor: false });
  });

  afterAll(async () => {
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
    expect(await queuedJob(redisUrl, 'builds', build)).toBeUndefined();
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
    const job = await eventually('the build job', () => queuedJob(redisUrl, 'builds', build), 15_000);
    expect(job.plan.stages.map((s) => s.name)).toEqual(['test', 'deploy']);
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
});
