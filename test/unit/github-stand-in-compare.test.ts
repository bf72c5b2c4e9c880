import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { GitHubStandIn, quietLog } from '../support/github-stand-in.js';

const OWNER = 'octo-org';
const REPO = 'compare';
const TOKEN = 'compare-token';

describe('GitHubStandIn comparisons and pull request lists', () => {
  let standIn: GitHubStandIn;
  let octokit: Octokit;
  /** master: m1 → m2; feature: m1 → f1 (diverged); topic/next: m2 → n1 (ahead). */
  let m1: string;
  let m2: string;
  let f1: string;
  let n1: string;

  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1', token: TOKEN });
    octokit = new Octokit({ baseUrl: standIn.apiUrl, auth: TOKEN, log: quietLog });
    await standIn.createRepo(OWNER, REPO);
    m1 = await standIn.commit(OWNER, REPO, 'master', { 'README.md': '# compare\n' }, 'Initial commit');
    f1 = await standIn.commit(OWNER, REPO, 'feature', { 'feature.txt': 'one\ntwo\n' }, 'Add feature', 'master');
    m2 = await standIn.commit(OWNER, REPO, 'master', { 'README.md': '# compare\n\nMore.\n' }, 'Extend README');
    n1 = await standIn.commit(OWNER, REPO, 'topic/next', { 'next.txt': 'next\n' }, 'Add next', 'master');
  });

  afterAll(async () => {
    await standIn?.stop();
  });

  async function compare(basehead: string, extra: { page?: number; per_page?: number } = {}) {
    return octokit.rest.repos.compareCommitsWithBasehead({ owner: OWNER, repo: REPO, basehead, ...extra });
  }

  it('starts a branch from `from` with the parent and tree of that commit', async () => {
    const { data } = await octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'README.md', ref: f1 });
    expect(data).toMatchObject({ type: 'file', path: 'README.md' });
    expect((await compare(`${m1}...${f1}`)).data.commits.map((c) => c.parents.map((p) => p.sha))).toEqual([[m1]]);
    expect((await compare(`${m2}...${n1}`)).data.commits.map((c) => c.parents.map((p) => p.sha))).toEqual([[m2]]);
  });

  it('compares diverged branches by name, valid against the description', async () => {
    const violations = await standIn.violationsDuring(async () => {
      const { status, data } = await compare('master...feature');
      expect(status).toBe(200);
      expect(data).toMatchObject({
        status: 'diverged',
        ahead_by: 1,
        behind_by: 1,
        total_commits: 1,
        base_commit: { sha: m2, parents: [{ sha: m1 }] },
        merge_base_commit: { sha: m1, parents: [] },
        url: `${standIn.apiUrl}/repos/${OWNER}/${REPO}/compare/master...feature`,
      });
      expect(data.commits.map((c) => c.sha)).toEqual([f1]);
      expect(data.commits[0]?.commit).toMatchObject({ message: 'Add feature', author: { name: 'Slipway Stand-in' } });
      expect(data.files).toEqual([
        expect.objectContaining({ filename: 'feature.txt', status: 'added', additions: 2, deletions: 0, changes: 2 }),
      ]);
    });
    expect(violations).toEqual([]);
  });

  it('compares by sha and by owner-prefixed ref the same way', async () => {
    const violations = await standIn.violationsDuring(async () => {
      for (const basehead of [`${m2}...${f1}`, `${m2.slice(0, 7)}...feature`, `${OWNER}:master...${OWNER}:feature`]) {
        const { data } = await compare(basehead);
        expect(data).toMatchObject({ status: 'diverged', ahead_by: 1, behind_by: 1, merge_base_commit: { sha: m1 } });
        expect(data.commits.map((c) => c.sha)).toEqual([f1]);
      }
    });
    expect(violations).toEqual([]);
  });

  it('reports a branch made from the base tip as ahead, and the reverse as behind', async () => {
    const violations = await standIn.violationsDuring(async () => {
      const ahead = await compare('master...topic/next');
      expect(ahead.data).toMatchObject({
        status: 'ahead',
        ahead_by: 1,
        behind_by: 0,
        total_commits: 1,
        merge_base_commit: { sha: m2 },
      });
      expect(ahead.data.commits.map((c) => c.sha)).toEqual([n1]);
      expect(ahead.data.files?.map((f) => f.filename)).toEqual(['next.txt']);

      const behind = await compare(`topic/next...${m1}`);
      expect(behind.data).toMatchObject({
        status: 'behind',
        ahead_by: 0,
        behind_by: 2,
        total_commits: 0,
        merge_base_commit: { sha: m1 },
      });
      expect(behind.data.commits).toEqual([]);
      expect(behind.data.files).toEqual([]);
    });
    expect(violations).toEqual([]);
  });

  it('reports identical commits', async () => {
    const violations = await standIn.violationsDuring(async () => {
      for (const basehead of ['master...master', `${m2}...master`]) {
        const { data } = await compare(basehead);
        expect(data).toMatchObject({
          status: 'identical',
          ahead_by: 0,
          behind_by: 0,
          total_commits: 0,
          base_commit: { sha: m2 },
        });
        expect(data.commits).toEqual([]);
        expect(data.files).toEqual([]);
      }
    });
    expect(violations).toEqual([]);
  });

  it('paginates the commits when asked to', async () => {
    const violations = await standIn.violationsDuring(async () => {
      const { data, headers } = await compare(`${m1}...topic/next`, { per_page: 1 });
      expect(data).toMatchObject({ status: 'ahead', ahead_by: 2, total_commits: 2 });
      expect(data.commits.map((c) => c.sha)).toEqual([m2]);
      expect(headers.link).toContain('rel="next"');
      const second = await compare(`${m1}...topic/next`, { per_page: 1, page: 2 });
      expect(second.data.commits.map((c) => c.sha)).toEqual([n1]);
    });
    expect(violations).toEqual([]);
  });

  it('answers 404 for a ref that does not resolve, a basehead without "...", or unrelated histories', async () => {
    const orphan = await standIn.commit(OWNER, REPO, 'orphan', { 'other.txt': 'x\n' });
    const violations = await standIn.violationsDuring(async () => {
      for (const basehead of [
        'master...nope',
        'nope...master',
        'master',
        'someone-else:master...feature',
        `master...${orphan}`,
      ]) {
        await expect(compare(basehead)).rejects.toMatchObject({ status: 404 });
      }
    });
    expect(violations).toEqual([]);
  });

  it('lists pull requests filtered by state, base and head, valid against the description', async () => {
    standIn.addPullRequest(OWNER, REPO, {
      number: 1,
      headSha: f1,
      headRef: 'feature',
      baseRef: 'master',
      user: 'alice',
    });
    standIn.addPullRequest(OWNER, REPO, {
      number: 2,
      headSha: n1,
      headRef: 'topic/next',
      baseRef: 'master',
      user: 'bob',
    });
    standIn.addPullRequest(OWNER, REPO, {
      number: 3,
      headSha: f1,
      headRef: 'feature',
      baseRef: 'develop',
      user: 'alice',
    });
    standIn.closePullRequest(OWNER, REPO, 2);
    const list = async (filters: { state?: 'open' | 'closed' | 'all'; base?: string; head?: string }) =>
      (await octokit.rest.pulls.list({ owner: OWNER, repo: REPO, ...filters })).data;

    const violations = await standIn.violationsDuring(async () => {
      const intoMaster = await list({ base: 'master' });
      expect(intoMaster.map((pr) => pr.number)).toEqual([1]);
      expect(intoMaster[0]).toMatchObject({
        state: 'open',
        closed_at: null,
        head: { sha: f1, ref: 'feature' },
        base: { ref: 'master', sha: m2 },
      });
      expect(intoMaster[0]).not.toHaveProperty('mergeable');

      const closed = await list({ base: 'master', state: 'closed' });
      expect(closed.map((pr) => pr.number)).toEqual([2]);
      expect(closed[0]?.closed_at).toEqual(expect.any(String));

      expect((await list({ state: 'all' })).map((pr) => pr.number)).toEqual([3, 2, 1]);
      expect((await list({})).map((pr) => pr.number)).toEqual([3, 1]);
      expect((await list({ head: `${OWNER}:feature` })).map((pr) => pr.number)).toEqual([3, 1]);
      expect((await list({ head: `${OWNER}:feature`, base: 'develop' })).map((pr) => pr.number)).toEqual([3]);
      expect((await list({ head: 'someone-else:feature' })).map((pr) => pr.number)).toEqual([]);
      // GitHub ignores a head without "user:".
      expect((await list({ head: 'topic/next' })).map((pr) => pr.number)).toEqual([3, 1]);
    });
    expect(violations).toEqual([]);

    const { data: single } = await octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 2 });
    expect(single).toMatchObject({ state: 'closed', merged: false });
    expect(single.closed_at).not.toBeNull();
  });

  it('recorded no violations at all', () => {
    expect(standIn.violations).toEqual([]);
  });
});
