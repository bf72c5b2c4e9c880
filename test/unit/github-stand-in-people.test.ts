import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { GitHubStandIn, type RepositoryRole, quietLog } from '../support/github-stand-in.js';

const OWNER = 'octo-org';
const REPO = 'people';
const TOKEN = 'people-token';

describe('GitHubStandIn pull requests, permissions and teams', () => {
  let standIn: GitHubStandIn;
  let octokit: Octokit;
  let mainSha: string;
  let headSha: string;

  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1', token: TOKEN });
    octokit = new Octokit({ baseUrl: standIn.apiUrl, auth: TOKEN, log: quietLog });
    await standIn.createRepo(OWNER, REPO);
    mainSha = await standIn.commit(OWNER, REPO, 'main', { 'README.md': '# people\n' }, 'Initial commit');
    headSha = await standIn.commit(OWNER, REPO, 'feature/x', { 'app.txt': 'x\n' });
  });

  afterAll(async () => {
    await standIn?.stop();
  });

  it('returns a registered pull request with its head sha, valid against the description', async () => {
    standIn.addPullRequest(OWNER, REPO, { number: 7, headSha, headRef: 'feature/x', baseRef: 'main', user: 'alice' });
    const violations = await standIn.violationsDuring(async () => {
      const { status, data } = await octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 });
      expect(status).toBe(200);
      expect(data).toMatchObject({
        number: 7,
        state: 'open',
        merged: false,
        draft: false,
        user: { login: 'alice', type: 'User' },
        head: {
          sha: headSha,
          ref: 'feature/x',
          label: `${OWNER}:feature/x`,
          repo: { full_name: `${OWNER}/${REPO}`, fork: false },
        },
        base: { sha: mainSha, ref: 'main', repo: { full_name: `${OWNER}/${REPO}`, default_branch: 'main' } },
        html_url: `${standIn.apiUrl}/${OWNER}/${REPO}/pull/7`,
        url: `${standIn.apiUrl}/repos/${OWNER}/${REPO}/pulls/7`,
      });
      expect(data.user).toEqual(standIn.user('alice'));
    });
    expect(violations).toEqual([]);
  });

  it('puts a fork pull request head in the fork', async () => {
    standIn.addPullRequest(OWNER, REPO, {
      number: 8,
      headSha,
      headRef: 'patch-1',
      baseRef: 'main',
      user: 'mallory',
      headRepoFullName: 'mallory/people',
    });
    const violations = await standIn.violationsDuring(async () => {
      const { data } = await octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 8 });
      expect(data.head).toMatchObject({
        sha: headSha,
        label: 'mallory:patch-1',
        repo: { full_name: 'mallory/people', fork: true, owner: { login: 'mallory' } },
        user: { login: 'mallory' },
      });
      expect(data.author_association).toBe('NONE');
    });
    expect(violations).toEqual([]);
  });

  it('answers 404 for a pull request never registered', async () => {
    await expect(octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 99 })).rejects.toMatchObject({
      status: 404,
    });
    await expect(octokit.rest.pulls.get({ owner: OWNER, repo: 'nope', pull_number: 7 })).rejects.toMatchObject({
      status: 404,
    });
  });

  it.each<[RepositoryRole, string]>([
    ['admin', 'admin'],
    ['maintain', 'write'],
    ['write', 'write'],
    ['triage', 'read'],
    ['read', 'read'],
  ])('reports role %s with legacy permission %s', async (role, permission) => {
    const user = `user-${role}`;
    standIn.setPermission(OWNER, REPO, user, role);
    const violations = await standIn.violationsDuring(async () => {
      const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
        owner: OWNER,
        repo: REPO,
        username: user,
      });
      expect(data).toMatchObject({ permission, role_name: role, user: { login: user, role_name: role } });
      expect(data.user?.permissions).toMatchObject({
        admin: role === 'admin',
        push: permission !== 'read',
        pull: true,
      });
    });
    expect(violations).toEqual([]);
  });

  it('replaces a role and keeps roles per repository', async () => {
    standIn.setPermission(OWNER, REPO, 'bob', 'read');
    standIn.setPermission(OWNER, REPO, 'Bob', 'maintain');
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
      owner: OWNER,
      repo: REPO,
      username: 'bob',
    });
    expect(data).toMatchObject({ permission: 'write', role_name: 'maintain' });
  });

  it('answers "none" for a known user without access, and 404 for an unknown one', async () => {
    const violations = await standIn.violationsDuring(async () => {
      // alice is known as the author of pull request 7 but has no role.
      const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
        owner: OWNER,
        repo: REPO,
        username: 'alice',
      });
      expect(data).toMatchObject({ permission: 'none', role_name: 'none', user: { login: 'alice' } });
      await expect(
        octokit.rest.repos.getCollaboratorPermissionLevel({ owner: OWNER, repo: REPO, username: 'nobody' }),
      ).rejects.toMatchObject({ status: 404, response: { data: { message: 'nobody is not a user' } } });
    });
    expect(violations).toEqual([]);
  });

  it('reports active team membership for members, 404 for others', async () => {
    standIn.addTeamMember(OWNER, 'deployers', 'carol');
    standIn.addTeamMember(OWNER, 'deployers', 'dave', 'maintainer');
    const violations = await standIn.violationsDuring(async () => {
      const carol = await octokit.rest.teams.getMembershipForUserInOrg({
        org: OWNER,
        team_slug: 'deployers',
        username: 'carol',
      });
      expect(carol.data).toMatchObject({ role: 'member', state: 'active' });
      const dave = await octokit.rest.teams.getMembershipForUserInOrg({
        org: OWNER,
        team_slug: 'deployers',
        username: 'dave',
      });
      expect(dave.data).toMatchObject({ role: 'maintainer', state: 'active' });
      await expect(
        octokit.rest.teams.getMembershipForUserInOrg({ org: OWNER, team_slug: 'deployers', username: 'alice' }),
      ).rejects.toMatchObject({ status: 404 });
      await expect(
        octokit.rest.teams.getMembershipForUserInOrg({ org: OWNER, team_slug: 'other-team', username: 'carol' }),
      ).rejects.toMatchObject({ status: 404 });
    });
    expect(violations).toEqual([]);
  });

  it('calls a team member who opens a pull request a MEMBER', async () => {
    standIn.addPullRequest(OWNER, REPO, { number: 9, headSha, headRef: 'feature/x', baseRef: 'main', user: 'carol' });
    const { data } = await octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 9 });
    expect(data.author_association).toBe('MEMBER');
  });

  it('recorded no violations at all', () => {
    expect(standIn.violations).toEqual([]);
  });
});
