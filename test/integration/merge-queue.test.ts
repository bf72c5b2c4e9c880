import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GitHubStandIn } from '../support/github-stand-in.js';
import { PROMOTION_SPEC } from '../support/merge-fixtures.js';
import {
  eventually,
  freshRedisUrl,
  startSlipway,
  WEBHOOK_SECRET,
  type RunningSlipway,
} from '../support/slipway-harness.js';
import { examplePayload, pullRequestPayload, pushPayload, signedHeaders } from '../support/webhook-payloads.js';

const OWNER = 'acme';

/**
 * The merge queue as a team meets it: GitHub's example payloads (pull requests, `/merge`
 * comments, statuses, reviews, pushes) into `slipway server` on real Redis, builds on the
 * real swarm, GitHub played by the stand-in.
 */
describe('the merge queue, end to end', () => {
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  let n = 0;
  let dir: string;

  beforeAll(async () => {
    const redisUrl = await freshRedisUrl(14);
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    // The repository "rebase" opts in to rebasing by Slipway; the others do not.
    dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-merge-policy-'));
    const policy = path.join(dir, 'policy.json');
    await writeFile(policy, JSON.stringify({ repos: { [`${OWNER}/rebase`]: { mergeRebase: true } } }));
    slipway = await startSlipway({
      standIn,
      redisUrl,
      merger: true,
      env: { SLIPWAY_MERGE_RECHECK_MS: '1500', SLIPWAY_POLICY_FILE: policy },
    });
  });

  afterAll(async () => {
    await slipway?.close();
    await standIn?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function newRepo(name: string): Promise<string> {
    await standIn.createRepo(OWNER, name);
    for (const [user, role] of [
      ['walt', 'write'],
      ['alice', 'maintain'],
      ['mallory', 'admin'],
    ] as const)
      standIn.setPermission(OWNER, name, user, role);
    standIn.protect(OWNER, name, 'master', ['slipway/test']);
    return standIn.commit(OWNER, name, 'master', { '.buildspec.yml': PROMOTION_SPEC, 'README.md': `# ${name}\n` });
  }
  async function deliver(event: string, payload: unknown): Promise<Response> {
    const body = JSON.stringify(payload);
    const res = await fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders(event, body, WEBHOOK_SECRET, `merge-queue-${++n}`),
      body,
    });
    expect(res.status).toBeLessThan(300);
    return res;
  }
  const named = (payload: any, repo: string) => {
    payload.repository.name = repo;
    payload.repository.full_name = `${OWNER}/${repo}`;
    payload.repository.owner.login = OWNER;
    return payload;
  };
  const say = (repo: string, number: number, user: string, body: string) => {
    const payload = named(
      examplePayload('issue_comment', (p) => p.action === 'created'),
      repo,
    );
    payload.issue.number = number;
    payload.issue.pull_request = { url: `https://api.github.com/repos/${OWNER}/${repo}/pulls/${number}` };
    payload.comment.body = body;
    payload.comment.user.login = user;
    return deliver('issue_comment', payload);
  };
  /** What GitHub sends when a status is posted (here by the test, as another CI would). */
  async function statusPosted(repo: string, sha: string, context: string, state: string) {
    await fetch(`${standIn.apiUrl}/repos/${OWNER}/${repo}/statuses/${sha}`, {
      method: 'POST',
      headers: { authorization: 'token test-token', 'content-type': 'application/json' },
      body: JSON.stringify({ context, state, description: `${context} ${state}` }),
    });
    const payload = named(examplePayload('status'), repo);
    Object.assign(payload, { sha, context, state });
    await deliver('status', payload);
  }
  async function reviewed(repo: string, number: number, user: string) {
    standIn.review(OWNER, repo, number, user, 'APPROVED');
    const payload = named(
      examplePayload('pull_request_review', (p) => p.action === 'submitted'),
      repo,
    );
    payload.pull_request.number = number;
    payload.review.user.login = user;
    payload.review.state = 'approved';
    payload.review.commit_id = standIn.pullRequest(OWNER, repo, number)?.headSha;
    await deliver('pull_request_review', payload);
  }
  const pushed = (repo: string, branch: string, after: string) =>
    deliver(
      'push',
      pushPayload({
        owner: OWNER,
        repo,
        cloneUrl: `https://github.com/${OWNER}/${repo}.git`,
        branch,
        before: '1'.repeat(40),
        after,
      }),
    );
  const merged = (repo: string, number: number) =>
    eventually(
      `#${number} to be merged`,
      () => (standIn.pullRequest(OWNER, repo, number)?.merged ? true : undefined),
      120_000,
    );
  const comments = (repo: string, number: number) => standIn.comments(OWNER, repo, number).map((c) => c.body);

  it(
    '/merge after a real build moves master by fast-forward; the tested master is promoted to production ' +
      "with an allowed review (not with a stranger's) and deploys production once, without a second approval",
    async () => {
      const repo = 'shop';
      const start = await newRepo(repo);
      const head = await standIn.commit(OWNER, repo, 'feature', { 'app.txt': 'v2\n' }, 'feature', 'master');
      standIn.addPullRequest(OWNER, repo, {
        number: 1,
        headSha: head,
        headRef: 'feature',
        baseRef: 'master',
        user: 'octocat',
      });
      await deliver(
        'pull_request',
        pullRequestPayload({ owner: OWNER, repo, number: 1, headSha: head, baseRef: 'master' }),
      );
      await say(repo, 1, 'walt', '/merge');
      await merged(repo, 1);
      expect(await standIn.resolve(OWNER, repo, 'master')).toBe(head);
      expect(standIn.latestStatus(OWNER, repo, head, 'slipway/test')?.state).toBe('success');
      expect((await standIn.log(OWNER, repo, start, 'master')).map((c) => c.parents.length)).toEqual([1]);
      const said = `Merged: \`master\` moved to ${head.slice(0, 7)} by fast-forward (no merge commit).`;
      await eventually('the merged comment', () => (comments(repo, 1).includes(said) ? true : undefined), 30_000);

      // master deploys to staging, which verifies the commit for production.
      await pushed(repo, 'master', head);
      await eventually(
        'staging to verify it',
        () =>
          standIn.latestStatus(OWNER, repo, head, 'slipway/staging-verified')?.state === 'success' ? true : undefined,
        120_000,
      );
      await fetch(`${standIn.apiUrl}/repos/${OWNER}/${repo}/git/refs`, {
        method: 'POST',
        headers: { authorization: 'token test-token', 'content-type': 'application/json' },
        body: JSON.stringify({ ref: 'refs/heads/production', sha: start }),
      });
      standIn.addPullRequest(OWNER, repo, {
        number: 2,
        headSha: head,
        headRef: 'master',
        baseRef: 'production',
        user: 'walt',
      });
      await say(repo, 2, 'walt', '/merge');
      await reviewed(repo, 2, 'mallory');
      const waiting = await eventually(
        'the promotion to wait for an allowed approval',
        () => {
          const s = standIn.latestStatus(OWNER, repo, head, 'slipway/merge-queue');
          return s?.description?.includes('waiting for approval by alice') ? s : undefined;
        },
        60_000,
      );
      expect(waiting.state).toBe('pending');
      expect(await standIn.resolve(OWNER, repo, 'production')).toBe(start);

      await reviewed(repo, 2, 'alice');
      await merged(repo, 2);
      expect(await standIn.resolve(OWNER, repo, 'production')).toBe(head);
      await eventually(
        'the merged comment',
        () => (comments(repo, 2).some((c) => c.includes('approved by @alice')) ? true : undefined),
        30_000,
      );

      await pushed(repo, 'production', head);
      await eventually(
        'production to be deployed',
        () =>
          standIn.latestStatus(OWNER, repo, head, 'slipway/deploy/production')?.state === 'success' ? true : undefined,
        120_000,
      );
      const descriptions = standIn.statuses(OWNER, repo, head).filter((s) => s.context === 'slipway/deploy/production');
      expect(descriptions.some((s) => s.description?.startsWith('Waiting: for approval'))).toBe(false);
      const deployments = standIn.deployments(OWNER, repo).filter((d) => d.environment === 'production');
      expect(deployments).toHaveLength(1);
      expect(deployments[0]).toMatchObject({ sha: head, production_environment: true });
      expect(standIn.violations).toEqual([]);
    },
    300_000,
  );

  it('a stale pull request is not merged and is told why', async () => {
    const repo = 'stale';
    await newRepo(repo);
    const head = await standIn.commit(OWNER, repo, 'old', { 'old.txt': 'old\n' }, 'old', 'master');
    standIn.addPullRequest(OWNER, repo, {
      number: 3,
      headSha: head,
      headRef: 'old',
      baseRef: 'master',
      user: 'octocat',
    });
    const moved = await standIn.commit(OWNER, repo, 'master', { 'new.txt': 'new\n' }, 'master moved');
    await statusPosted(repo, head, 'slipway/test', 'success');
    await say(repo, 3, 'walt', '/merge');
    await eventually(
      'the comment',
      () => (comments(repo, 3).some((c) => c.startsWith('Taken out')) ? true : undefined),
      60_000,
    );
    expect(comments(repo, 3).at(-1)).toBe(
      'Taken out of the merge queue: master has 1 commit this branch lacks, so it cannot be merged as a ' +
        'fast-forward: rebase it onto master, push, and say /merge again.',
    );
    expect(await standIn.resolve(OWNER, repo, 'master')).toBe(moved);
    expect(standIn.latestStatus(OWNER, repo, head, 'slipway/up-to-date')?.state).toBe('failure');
  });

  it('two queued: the second shows "2nd in line", then merges after the first, without a merge commit', async () => {
    const repo = 'pair';
    const start = await newRepo(repo);
    const first = await standIn.commit(OWNER, repo, 'first', { '1.txt': '1\n' }, 'first', 'master');
    const second = await standIn.commit(OWNER, repo, 'second', { '2.txt': '2\n' }, 'second', 'first');
    standIn.addPullRequest(OWNER, repo, {
      number: 4,
      headSha: first,
      headRef: 'first',
      baseRef: 'master',
      user: 'octocat',
    });
    standIn.addPullRequest(OWNER, repo, {
      number: 5,
      headSha: second,
      headRef: 'second',
      baseRef: 'master',
      user: 'octocat',
    });
    await say(repo, 4, 'walt', '/merge');
    await say(repo, 5, 'alice', '/merge');
    const position = await eventually(
      '"2nd in line"',
      () => {
        const s = standIn.latestStatus(OWNER, repo, second, 'slipway/merge-queue');
        return s?.description === '2nd in line to merge into master' ? s : undefined;
      },
      60_000,
    );
    expect(position.state).toBe('pending');
    await statusPosted(repo, second, 'slipway/test', 'success');
    await statusPosted(repo, first, 'slipway/test', 'success');
    await merged(repo, 5);
    expect(standIn.pullRequest(OWNER, repo, 4)?.merged).toBe(true);
    expect(await standIn.resolve(OWNER, repo, 'master')).toBe(second);
    expect((await standIn.log(OWNER, repo, start, 'master')).map((c) => [c.sha, c.parents.length])).toEqual([
      [first, 1],
      [second, 1],
    ]);
  });

  it('with rebase opted in, a stale pull request is rebased onto master, re-tested, merged', async () => {
    const repo = 'rebase';
    await newRepo(repo);
    const old = await standIn.commit(OWNER, repo, 'topic', { 'topic.txt': 'topic\n' }, 'topic', 'master');
    standIn.addPullRequest(OWNER, repo, {
      number: 6,
      headSha: old,
      headRef: 'topic',
      baseRef: 'master',
      user: 'octocat',
      followBranch: true,
    });
    const moved = await standIn.commit(OWNER, repo, 'master', { 'other.txt': 'other\n' }, 'master moved');
    await statusPosted(repo, old, 'slipway/test', 'success');
    await say(repo, 6, 'walt', '/merge');
    const rebased = await eventually(
      'the rebase',
      async () => {
        const tip = await standIn.resolve(OWNER, repo, 'topic');
        return tip !== old ? tip : undefined;
      },
      60_000,
    );
    expect((await standIn.log(OWNER, repo, moved, rebased)).map((c) => c.parents)).toEqual([[moved]]);
    await eventually(
      'the comment',
      () =>
        comments(repo, 6).some((c) => c.includes(`rebased and pushed as ${rebased.slice(0, 7)}`)) ? true : undefined,
      30_000,
    );
    expect(await standIn.resolve(OWNER, repo, 'master')).toBe(moved);
    // GitHub announces the push; Slipway builds the rebased head, and only then merges it.
    await deliver(
      'pull_request',
      pullRequestPayload({ owner: OWNER, repo, action: 'synchronize', number: 6, headSha: rebased, baseRef: 'master' }),
    );
    await merged(repo, 6);
    expect(standIn.latestStatus(OWNER, repo, rebased, 'slipway/test')?.state).toBe('success');
    expect(await standIn.resolve(OWNER, repo, 'master')).toBe(rebased);
    expect(standIn.violations).toEqual([]);
  }, 180_000);
});
