import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { GitHubStandIn, quietLog } from '../support/github-stand-in.js';

const OWNER = 'acme';
const REPO = 'merges';
const TOKEN = 'merges-token';

async function status(call: Promise<unknown>): Promise<number> {
  try {
    return ((await call) as { status: number }).status;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

describe('GitHubStandIn refs, branch protection, comments, reviews and new pull requests', () => {
  let standIn: GitHubStandIn;
  let octokit: Octokit;
  let base: string;
  let head: string;

  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1', token: TOKEN });
    octokit = new Octokit({ baseUrl: standIn.apiUrl, auth: TOKEN, log: quietLog });
    await standIn.createRepo(OWNER, REPO);
    base = await standIn.commit(OWNER, REPO, 'master', { 'README.md': '# merges\n' });
    head = await standIn.commit(OWNER, REPO, 'feature', { 'app.txt': 'one\n' }, 'Feature', 'master');
  });

  afterAll(async () => {
    await standIn?.stop();
  });

  it('reads a branch ref; 404 for one that does not exist', async () => {
    const { data } = await octokit.rest.git.getRef({ owner: OWNER, repo: REPO, ref: 'heads/master' });
    expect(data).toMatchObject({ ref: 'refs/heads/master', object: { type: 'commit', sha: base } });
    expect(await status(octokit.rest.git.getRef({ owner: OWNER, repo: REPO, ref: 'heads/nope' }))).toBe(404);
  });

  it('moves a branch by fast-forward only, marks the pull request merged, and refuses anything else', async () => {
    standIn.addPullRequest(OWNER, REPO, {
      number: 1,
      headSha: head,
      headRef: 'feature',
      baseRef: 'master',
      user: 'alice',
    });
    const other = await standIn.commit(OWNER, REPO, 'other', { 'x.txt': 'x\n' }, 'Unrelated');
    expect(
      await status(
        octokit.rest.git.updateRef({ owner: OWNER, repo: REPO, ref: 'heads/master', sha: other, force: false }),
      ),
    ).toBe(422);
    expect(await standIn.resolve(OWNER, REPO, 'master')).toBe(base);
    const moved = await octokit.rest.git.updateRef({
      owner: OWNER,
      repo: REPO,
      ref: 'heads/master',
      sha: head,
      force: false,
    });
    expect(moved.data.object.sha).toBe(head);
    expect(await standIn.resolve(OWNER, REPO, 'master')).toBe(head);
    const pr = (await octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 1 })).data;
    expect(pr).toMatchObject({ state: 'closed', merged: true, merge_commit_sha: head });
    expect(standIn.pullRequest(OWNER, REPO, 1)?.merged).toBe(true);
    // Going back is not a fast-forward either.
    expect(
      await status(
        octokit.rest.git.updateRef({ owner: OWNER, repo: REPO, ref: 'heads/master', sha: base, force: false }),
      ),
    ).toBe(422);
  });

  it('creates a ref once', async () => {
    const created = await octokit.rest.git.createRef({
      owner: OWNER,
      repo: REPO,
      ref: 'refs/heads/promote',
      sha: base,
    });
    expect(created.status).toBe(201);
    expect(
      await status(octokit.rest.git.createRef({ owner: OWNER, repo: REPO, ref: 'refs/heads/promote', sha: base })),
    ).toBe(422);
  });

  it('answers branch protection required status checks, 404 when not enabled', async () => {
    expect(
      await status(octokit.rest.repos.getStatusChecksProtection({ owner: OWNER, repo: REPO, branch: 'master' })),
    ).toBe(404);
    standIn.protect(OWNER, REPO, 'master', ['slipway/test', 'ci/lint']);
    const { data } = await octokit.rest.repos.getStatusChecksProtection({ owner: OWNER, repo: REPO, branch: 'master' });
    expect(data.contexts).toEqual(['slipway/test', 'ci/lint']);
    expect(data.strict).toBe(true);
  });

  it('takes comments on a pull request and lists reviews with the head they were made on', async () => {
    standIn.addPullRequest(OWNER, REPO, {
      number: 2,
      headSha: head,
      headRef: 'feature',
      baseRef: 'prod',
      user: 'alice',
    });
    await octokit.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 2, body: 'Queued.' });
    const listed = await octokit.rest.issues.listComments({ owner: OWNER, repo: REPO, issue_number: 2 });
    expect(listed.data.map((c) => c.body)).toEqual(['Queued.']);
    expect(standIn.comments(OWNER, REPO, 2)).toEqual([{ user: 'slipway-stand-in', body: 'Queued.' }]);
    expect(
      await status(octokit.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 99, body: 'x' })),
    ).toBe(404);
    standIn.review(OWNER, REPO, 2, 'bob', 'APPROVED');
    standIn.review(OWNER, REPO, 2, 'carol', 'CHANGES_REQUESTED', base);
    const reviews = (await octokit.rest.pulls.listReviews({ owner: OWNER, repo: REPO, pull_number: 2 })).data;
    expect(reviews.map((r) => [r.user?.login, r.state, r.commit_id])).toEqual([
      ['bob', 'APPROVED', head],
      ['carol', 'CHANGES_REQUESTED', base],
    ]);
  });

  it('opens a pull request between two branches; refuses a duplicate and an unknown branch', async () => {
    const tip = await standIn.commit(OWNER, REPO, 'release', { 'r.txt': 'r\n' }, 'Release', 'master');
    const { status: code, data } = await octokit.rest.pulls.create({
      owner: OWNER,
      repo: REPO,
      head: 'release',
      base: 'promote',
      title: 'Promote',
    });
    expect(code).toBe(201);
    expect(data).toMatchObject({ head: { ref: 'release', sha: tip }, base: { ref: 'promote' }, state: 'open' });
    expect(
      await status(octokit.rest.pulls.create({ owner: OWNER, repo: REPO, head: 'release', base: 'promote' })),
    ).toBe(422);
    expect(await status(octokit.rest.pulls.create({ owner: OWNER, repo: REPO, head: 'nope', base: 'promote' }))).toBe(
      422,
    );
  });

  it("answered every request as GitHub's description says", () => {
    expect(standIn.violations).toEqual([]);
    expect(standIn.requests.length).toBeGreaterThan(15);
  });
});
