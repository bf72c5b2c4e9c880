import { createAppAuth } from '@octokit/auth-app';
import { request } from '@octokit/request';
import { Octokit } from '@octokit/rest';
import type { RepoRef } from '../core/builds/types.js';
import type { CommitStatus } from '../core/status/types.js';
import type { Logger } from './logger.js';

/** The GitHub calls Slipway makes, behind one small interface so tests can point it anywhere. */
export interface GitHub {
  /** The text of a file at a commit, or undefined when it does not exist there. */
  fileAt(repo: RepoRef, path: string, sha: string): Promise<string | undefined>;
  createStatus(repo: RepoRef, sha: string, status: CommitStatus): Promise<void>;
  /** A deployment of `sha` to `environment` that GitHub must not merge or check for us: Slipway already did. */
  createDeployment(
    repo: RepoRef,
    sha: string,
    environment: string,
    options: { production: boolean; description: string },
  ): Promise<number>;
  createDeploymentStatus(
    repo: RepoRef,
    id: number,
    status: { state: DeploymentState; description: string; environmentUrl?: string; logUrl: string },
  ): Promise<void>;
}

/** What Slipway asks GitHub about people and pull requests, for approvals. */
export interface GitHubPeople {
  /** role_name of a user on a repository (admin, maintain, write, triage, read, none). */
  roleOf(repo: RepoRef, user: string): Promise<string>;
  /** Whether a user is an active member of `org/slug`. */
  inTeam(team: string, user: string): Promise<boolean>;
  /** The head commit of a pull request. */
  pullHead(repo: RepoRef, number: number): Promise<string>;
  /** How many commits of `base` the `head` lacks. */
  behindBy(repo: RepoRef, base: string, head: string): Promise<number>;
  /** The open pull requests into a branch. */
  openPullsInto(repo: RepoRef, base: string): Promise<Array<{ number: number; headSha: string }>>;
}

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error';

/** A GitHub client on `@octokit/rest`; `baseUrl` may be GitHub Enterprise's `/api/v3`. */
/**
 * How Slipway proves who it is to GitHub: a token, or a GitHub App installation (tokens minted
 * and refreshed by @octokit/auth-app).
 */
export type GitHubAuth = { token: string } | { appId: string; privateKey: string; installationId: number };

export function githubAuthOf(config: {
  githubToken: string;
  githubApp?: { appId: string; privateKey: string; installationId: number };
}): GitHubAuth {
  return config.githubApp ?? { token: config.githubToken };
}

/** A source of the token the checkout clones with: fixed, or a fresh installation token. */
export function gitTokenSource(baseUrl: string, auth: GitHubAuth, gitToken: string): () => Promise<string> {
  if (!('appId' in auth)) return async () => gitToken;
  const appAuth = createAppAuth({ ...auth, request: request.defaults({ baseUrl }) });
  return async () => (await appAuth({ type: 'installation' })).token;
}

export function createGitHub(baseUrl: string, auth: GitHubAuth, logger?: Logger): GitHub & GitHubPeople {
  const log = {
    debug: () => undefined,
    info: () => undefined,
    warn: (msg: string) => logger?.warn(`github: ${msg}`),
    // Failed requests are thrown and reported by the caller; Octokit's own line is noise.
    error: () => undefined,
  };
  const octokit =
    'appId' in auth
      ? new Octokit({ baseUrl, authStrategy: createAppAuth, auth, userAgent: 'slipway', log })
      : new Octokit({ baseUrl, auth: auth.token || undefined, userAgent: 'slipway', log });
  return {
    async fileAt(repo, path, sha) {
      try {
        const res = await octokit.rest.repos.getContent({ owner: repo.owner, repo: repo.name, path, ref: sha });
        const data = res.data;
        if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return undefined;
        return Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8');
      } catch (err) {
        if ((err as { status?: number }).status === 404) return undefined;
        throw err;
      }
    },
    async createStatus(repo, sha, status) {
      await octokit.rest.repos.createCommitStatus({ owner: repo.owner, repo: repo.name, sha, ...status });
    },
    async createDeployment(repo, sha, environment, options) {
      const res = await octokit.rest.repos.createDeployment({
        owner: repo.owner,
        repo: repo.name,
        ref: sha,
        environment,
        auto_merge: false,
        required_contexts: [],
        description: options.description,
        production_environment: options.production,
        transient_environment: false,
      });
      if (res.status !== 201 || !('id' in res.data))
        throw new Error(`GitHub did not create the deployment: ${JSON.stringify(res.data)}`);
      return res.data.id;
    },
    async roleOf(repo, user) {
      try {
        const res = await octokit.rest.repos.getCollaboratorPermissionLevel({
          owner: repo.owner,
          repo: repo.name,
          username: user,
        });
        return res.data.role_name ?? res.data.permission;
      } catch (err) {
        if ((err as { status?: number }).status === 404) return 'none';
        throw err;
      }
    },
    async inTeam(team, user) {
      const [org = '', slug = ''] = team.split('/');
      try {
        const res = await octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: slug, username: user });
        return res.data.state === 'active';
      } catch (err) {
        if ((err as { status?: number }).status === 404) return false;
        throw err;
      }
    },
    async behindBy(repo, base, head) {
      const res = await octokit.rest.repos.compareCommitsWithBasehead({
        owner: repo.owner,
        repo: repo.name,
        basehead: `${base}...${head}`,
      });
      return res.data.behind_by;
    },
    async openPullsInto(repo, base) {
      const pulls = await octokit.paginate(octokit.rest.pulls.list, {
        owner: repo.owner,
        repo: repo.name,
        state: 'open',
        base,
        per_page: 100,
      });
      return pulls.map((p) => ({ number: p.number, headSha: p.head.sha }));
    },
    async pullHead(repo, number) {
      const res = await octokit.rest.pulls.get({ owner: repo.owner, repo: repo.name, pull_number: number });
      return res.data.head.sha;
    },
    async createDeploymentStatus(repo, id, status) {
      await octokit.rest.repos.createDeploymentStatus({
        owner: repo.owner,
        repo: repo.name,
        deployment_id: id,
        state: status.state,
        description: status.description,
        log_url: status.logUrl,
        ...(status.environmentUrl ? { environment_url: status.environmentUrl } : {}),
      });
    },
  };
}
