import { classifyGitHubFailure } from '../core/errors/classify-github.js';
import { PermanentError, type SlipwayError } from '../core/errors/slipway-error.js';
import { systemCodeOf, toSlipwayError } from '../core/errors/to-slipway-error.js';
import type { RepoRef } from '../core/builds/types.js';
import type { CommitStatus } from '../core/status/types.js';
import { checksOn, type GitHubChecks } from './github-checks.js';
import type { Logger } from './logger.js';
import { createOctokit, type GitHubAuth, type OctokitOptions } from './octokit.js';

export type { GitHubAuth } from './octokit.js';

/**
 * The GitHub calls Slipway makes, behind one small interface so tests can point it anywhere.
 * Every error a call throws is a typed Slipway error (core/errors): permanent when GitHub
 * refused for good (401, 404, 422 …), transient otherwise, with GitHub's delay when it gave one.
 */
export interface GitHub {
  /** The text of a file at a commit, or undefined when it does not exist there. */
  fileAt(repo: RepoRef, path: string, sha: string): Promise<string | undefined>;
  createStatus(repo: RepoRef, sha: string, status: CommitStatus): Promise<void>;
  /**
   * A deployment of `sha` to `environment` that GitHub must not merge or check for us: Slipway
   * already did. With a `key` (the build id) it is made once: a deployment of `sha` to
   * `environment` carrying that key is looked for first, and the create is never retried in
   * place, since a 5xx may come after GitHub made it; the caller's job retries, and finds it.
   */
  createDeployment(
    repo: RepoRef,
    sha: string,
    environment: string,
    options: { production: boolean; description: string; key?: string },
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
  /** Whether a repository is private; undefined when GitHub has no such repository (or hides it). */
  isPrivate(repo: RepoRef): Promise<boolean | undefined>;
  /** The sha a branch points at; undefined when there is no such branch (or repository). */
  branchHead(repo: RepoRef, branch: string): Promise<string | undefined>;
}

/** Everything Slipway asks of GitHub for one repository (in App mode, as that repository's installation). */
export type GitHubClient = GitHub & GitHubPeople & GitHubChecks;

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error';

export function githubAuthOf(config: {
  githubToken: string;
  githubApp?: { appId: string; privateKey: string; installationId?: number };
}): GitHubAuth {
  return config.githubApp ?? { token: config.githubToken };
}

/**
 * A GitHub client on the one Octokit factory (`createOctokit`); `baseUrl` may be GitHub
 * Enterprise's `/api/v3`. `options` tunes the factory's retries (tests make them quick).
 */
export function createGitHub(
  baseUrl: string,
  auth: GitHubAuth,
  logger?: Logger,
  options: Omit<OctokitOptions, 'logger'> = {},
): GitHubClient {
  const octokit = createOctokit(baseUrl, auth, { ...options, ...(logger ? { logger } : {}) });
  return {
    ...checksOn(octokit, call),
    fileAt: (repo, path, sha) =>
      call(async () => {
        const res = await octokit.rest.repos.getContent({ owner: repo.owner, repo: repo.name, path, ref: sha });
        const data = res.data;
        if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return undefined;
        return Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8');
      }, ifNotFound(undefined)),
    createStatus: (repo, sha, status) =>
      call(async () => {
        await octokit.rest.repos.createCommitStatus({ owner: repo.owner, repo: repo.name, sha, ...status });
      }),
    createDeployment: (repo, sha, environment, options) =>
      call(async () => {
        const { key } = options;
        if (key !== undefined) {
          const made = await octokit.paginate(octokit.rest.repos.listDeployments, {
            owner: repo.owner,
            repo: repo.name,
            sha,
            environment,
            per_page: 100,
          });
          const mine = made.find((d) => typeof d.payload === 'object' && d.payload[DEPLOYMENT_KEY] === key);
          if (mine) return mine.id;
        }
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
          ...(key === undefined ? {} : { payload: { [DEPLOYMENT_KEY]: key }, request: { retries: 0 } }),
        });
        if (res.status !== 201 || !('id' in res.data))
          throw new PermanentError(
            'github-refused',
            `GitHub did not create the deployment: ${JSON.stringify(res.data)}`,
            { status: res.status },
          );
        return res.data.id;
      }),
    roleOf: (repo, user) =>
      call(async () => {
        const res = await octokit.rest.repos.getCollaboratorPermissionLevel({
          owner: repo.owner,
          repo: repo.name,
          username: user,
        });
        return res.data.role_name ?? res.data.permission;
      }, ifNotFound('none')),
    inTeam: (team, user) =>
      call(async () => {
        const [org = '', slug = ''] = team.split('/');
        const res = await octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: slug, username: user });
        return res.data.state === 'active';
      }, ifNotFound(false)),
    behindBy: (repo, base, head) =>
      call(async () => {
        const res = await octokit.rest.repos.compareCommitsWithBasehead({
          owner: repo.owner,
          repo: repo.name,
          basehead: `${base}...${head}`,
        });
        return res.data.behind_by;
      }),
    openPullsInto: (repo, base) =>
      call(async () => {
        const pulls = await octokit.paginate(octokit.rest.pulls.list, {
          owner: repo.owner,
          repo: repo.name,
          state: 'open',
          base,
          per_page: 100,
        });
        return pulls.map((p) => ({ number: p.number, headSha: p.head.sha }));
      }),
    isPrivate: (repo) =>
      call(
        async () => (await octokit.rest.repos.get({ owner: repo.owner, repo: repo.name })).data.private,
        ifNotFound<boolean | undefined>(undefined),
      ),
    branchHead: (repo, branch) =>
      call(
        async () =>
          (await octokit.rest.git.getRef({ owner: repo.owner, repo: repo.name, ref: `heads/${branch}` })).data.object
            .sha,
        ifNotFound<string | undefined>(undefined),
      ),
    pullHead: (repo, number) =>
      call(async () => {
        const res = await octokit.rest.pulls.get({ owner: repo.owner, repo: repo.name, pull_number: number });
        return res.data.head.sha;
      }),
    createDeploymentStatus: (repo, id, status) =>
      call(async () => {
        await octokit.rest.repos.createDeploymentStatus({
          owner: repo.owner,
          repo: repo.name,
          deployment_id: id,
          state: status.state,
          description: status.description,
          log_url: status.logUrl,
          ...(status.environmentUrl ? { environment_url: status.environmentUrl } : {}),
        });
      }),
  };
}

/** The field of a deployment's `payload` that names the build that made it. */
export const DEPLOYMENT_KEY = 'slipway_build';

/** Runs one GitHub call; what it throws leaves as a typed error, or as `recover`'s answer when that takes it. */
export async function call<T>(
  run: () => Promise<T>,
  recover?: (err: SlipwayError) => { value: T } | undefined,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const typed = fromOctokit(err);
    const recovered = recover?.(typed);
    if (recovered) return recovered.value;
    throw typed;
  }
}

/** GitHub answers 404 for what is not there and for what the caller may not see: for some calls, an answer. */
export function ifNotFound<T>(value: T): (err: SlipwayError) => { value: T } | undefined {
  return (err) => (err.code === 'github-not-found' ? { value } : undefined);
}

/**
 * Octokit's RequestError (status, response headers, GitHub's message; no response when the
 * connection failed, the cause then carrying the system code) as a typed error.
 */
export function fromOctokit(err: unknown, nowMs = Date.now()): SlipwayError {
  if (!(err instanceof Error) || typeof (err as { status?: unknown }).status !== 'number') return toSlipwayError(err);
  const { status, response, request } = err as Error & {
    status: number;
    response?: { headers?: Record<string, string>; data?: { documentation_url?: unknown } };
    request?: { url?: string };
  };
  // No token for the installation: the App was uninstalled (or never was there). Not "no such file".
  const installation = /\/app\/installations\/(\d+)\/access_tokens/.exec(request?.url ?? '')?.[1];
  if (installation && (status === 404 || status === 403)) {
    const gone = new PermanentError(
      'github-app-not-installed',
      `installation ${installation} of Slipway's GitHub App is gone (uninstalled or suspended): ` +
        'GitHub gives no token for it',
      { status },
    );
    Object.defineProperty(gone, 'cause', { value: err, enumerable: false });
    return gone;
  }
  const code = systemCodeOf(err.cause);
  // Octokit appends " - <documentation_url>": noise in a 140-character status description.
  const docs = response?.data?.documentation_url;
  const message = typeof docs === 'string' ? err.message.replace(` - ${docs}`, '') : err.message;
  const typed = classifyGitHubFailure({
    ...(response ? { status, headers: response.headers ?? {} } : { status: 0 }),
    message,
    ...(code ? { code } : {}),
    nowMs,
  });
  Object.defineProperty(typed, 'cause', { value: err, enumerable: false });
  return typed;
}
