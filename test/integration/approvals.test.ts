import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GitHubStandIn } from '../support/github-stand-in.js';
import {
  eventually,
  freshRedisUrl,
  startSlipway,
  WEBHOOK_SECRET,
  type RunningSlipway,
} from '../support/slipway-harness.js';
import { examplePayload, pushPayload, signedHeaders } from '../support/webhook-payloads.js';

const OWNER = 'acme';
const REPO = 'payments';
const API_TOKEN = 'approvals-api-token';

const spec = (expires: string) => `test:
  - {name: unit, image: slipway/busybox:1, commands: ["true"]}
deploy:
  environments:
    production:
      branch: production
      url: https://www.example.com
      approval:
        users: [octocat]
        teams: [acme/release-managers]
        expires: ${expires}
      steps:
        - {name: ship, image: slipway/busybox:1, commands: [echo "shipping to $SLIPWAY_ENVIRONMENT"]}
`;

/** Production deploys wait for an allowed person's approval: comments and the API, on the real swarm. */
describe('approvals of production deploys', () => {
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  let n = 0;

  beforeAll(async () => {
    const redisUrl = await freshRedisUrl(10);
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    await standIn.createRepo(OWNER, REPO);
    standIn.setPermission(OWNER, REPO, 'octocat', 'maintain');
    standIn.setPermission(OWNER, REPO, 'mallory', 'write');
    standIn.setPermission(OWNER, REPO, 'hubot', 'admin');
    standIn.addTeamMember('acme', 'release-managers', 'hubot');
    slipway = await startSlipway({ standIn, redisUrl, env: { SLIPWAY_API_TOKEN: API_TOKEN } });
  });

  afterAll(async () => {
    await slipway?.close();
    await standIn?.stop();
  });

  async function deliver(event: string, payload: unknown): Promise<Response> {
    const body = JSON.stringify(payload);
    return fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders(event, body, WEBHOOK_SECRET, `approvals-${++n}`),
      body,
    });
  }
  async function pushToProduction(expires: string): Promise<{ sha: string; build: string }> {
    const sha = await standIn.commit(OWNER, REPO, 'production', {
      '.buildspec.yml': spec(expires),
      'n.txt': String(n),
    });
    const res = await deliver(
      'push',
      pushPayload({
        owner: OWNER,
        repo: REPO,
        cloneUrl: `https://github.com/${OWNER}/${REPO}.git`,
        branch: 'production',
        before: '1'.repeat(40),
        after: sha,
      }),
    );
    return { sha, build: ((await res.json()) as { build: string }).build };
  }
  const comment = (number: number, user: string, body: string) => {
    const payload = examplePayload('issue_comment', (p) => p.action === 'created');
    payload.issue.number = number;
    payload.issue.pull_request = { url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/${number}` };
    payload.comment.body = body;
    payload.comment.user.login = user;
    payload.repository.name = REPO;
    payload.repository.full_name = `${OWNER}/${REPO}`;
    payload.repository.owner.login = OWNER;
    return deliver('issue_comment', payload);
  };
  const production = (sha: string) => standIn.latestStatus(OWNER, REPO, sha, 'slipway/deploy/production');
  const waiting = (sha: string) =>
    eventually(
      'the deploy to wait for approval',
      () => (production(sha)?.description?.startsWith('Waiting: for approval') ? production(sha) : undefined),
      90_000,
    );

  it(
    'waits for approval; ' +
      'a /approve from someone not allowed changes nothing; ' +
      'one from an allowed user deploys',
    async () => {
      const { sha, build } = await pushToProduction('24h');
      standIn.addPullRequest(OWNER, REPO, {
        number: 12,
        headSha: sha,
        headRef: 'master',
        baseRef: 'production',
        user: 'octocat',
      });
      const status = await waiting(sha);
      expect(status).toMatchObject({ state: 'pending' });
      expect(status.description).toContain('octocat, team acme/release-managers');
      expect(standIn.latestStatus(OWNER, REPO, sha, 'slipway/test')).toMatchObject({ state: 'success' });
      expect((await slipway.builds.get(build))?.state).toBe('waiting');
      // Its page and the approve button are tested in Chromium (test/browser/dashboard.test.ts).

      expect((await comment(12, 'mallory', '/approve')).status).toBe(202);
      await eventually(
        'the decision to be recorded',
        async () => ((await slipway.builds.get(build))?.approval?.decisions.length === 1 ? true : undefined),
        30_000,
      );
      expect((await slipway.builds.get(build))?.approval?.decisions[0]).toMatchObject({
        user: 'mallory',
        decision: 'approve',
        via: 'comment',
        counted: false,
        why: 'mallory is not among the approvers (octocat, team acme/release-managers)',
      });
      expect(production(sha)?.state).toBe('pending');

      await comment(12, 'octocat', '/approve');
      const done = await eventually(
        'the deploy to finish',
        () => (production(sha)?.state === 'success' ? production(sha) : undefined),
        90_000,
      );
      expect(done.description).toMatch(/^1 step passed/);
      expect((await slipway.builds.get(build))?.approval?.decisions.map((d) => [d.user, d.counted])).toEqual([
        ['mallory', false],
        ['octocat', true],
      ]);
      const deployment = standIn.deployments(OWNER, REPO).find((d) => d.sha === sha);
      expect(deployment).toMatchObject({ environment: 'production', production_environment: true, auto_merge: false });
      expect((await slipway.logs.read(build, 'ship')).map((l) => l.text)).toContain('shipping to production');
    },
  );

  it("takes a team member's rejection through the API, and does not deploy", async () => {
    const { sha, build } = await pushToProduction('24h');
    await waiting(sha);
    const unauthorised = await fetch(`${slipway.url}/builds/${build}/reject`, {
      method: 'POST',
      body: JSON.stringify({ user: 'hubot' }),
    });
    expect(unauthorised.status).toBe(401);
    // The operator's token can never decide: an approval is always a named person.
    const operator = await fetch(`${slipway.url}/builds/${build}/reject`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}` },
      body: JSON.stringify({ user: 'hubot' }),
    });
    expect(operator.status).toBe(403);
    // hubot's own token decides as hubot, whatever the body claims.
    const res = await fetch(`${slipway.url}/builds/${build}/reject`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await slipway.personalToken('hubot', ['read', 'approve'])}` },
      body: JSON.stringify({ user: 'octocat' }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ build, decision: 'reject', by: 'hubot' });
    const status = await eventually(
      'the rejection',
      () => (production(sha)?.state === 'failure' ? production(sha) : undefined),
      90_000,
    );
    expect(status.description).toBe('Not deployed: rejected by hubot');
    await eventually(
      'the build to end',
      async () => ((await slipway.builds.get(build))?.state === 'failure' ? true : undefined),
      30_000,
    );
  });

  it('ends in error when nobody approves in time', async () => {
    const { sha } = await pushToProduction('3s');
    await waiting(sha);
    const status = await eventually(
      'the expiry',
      () => (production(sha)?.state === 'error' ? production(sha) : undefined),
      90_000,
    );
    expect(status.description).toBe('the approval expired: nobody approved within 3s');
  });
});
