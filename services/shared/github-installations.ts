import type { RepoRef } from '../core/builds/types.js';
import { isSlipwayError, PermanentError, type SlipwayError } from '../core/errors/slipway-error.js';
import { createGitHub, fromOctokit, type GitHubClient } from './github.js';
import type { Logger } from './logger.js';
import { createOctokit, type OctokitOptions } from './octokit.js';

/** How Slipway authenticates: a token (statuses only), or a GitHub App with any number of installations. */
export type GitHubIdentity =
  | { token: string }
  /** `installationId`: the one to use when a repository's cannot be found (the old single-installation setting). */
  | { appId: string; privateKey: string; installationId?: number };

/**
 * The GitHub client of each repository. In token mode, one client for all. In App mode, one
 * per installation (each minting and caching its own installation tokens through
 * @octokit/auth-app): the installation a webhook named (`remember`), else the one GitHub
 * says covers the repository (`GET /repos/{o}/{r}/installation` with the App's JWT, kept
 * for a while). A repository without one is a permanent `github-app-not-installed` error.
 */
export interface GitHubInstallations {
  readonly appMode: boolean;
  /** The client for a repository, as `installationId` when given (a webhook's), else its installation's. */
  forRepo(repo: RepoRef, installationId?: number): Promise<GitHubClient>;
  /** The client for an organization's own calls (team memberships). */
  forOrg(org: string): Promise<GitHubClient>;
  /** The installation of a repository, from a webhook: used until told otherwise. */
  remember(repo: RepoRef, installationId: number): void;
  /** An installation was removed or suspended (an `installation` event): nothing uses it any more. */
  forget(installationId: number): void;
  /** A token to clone the repository with: its installation's, or the configured git token. */
  gitToken(repo: RepoRef, installationId?: number): Promise<string>;
}

/** How long a looked-up installation is used before asking GitHub again. */
const LOOKUP_MS = 10 * 60_000;

export function githubInstallations(
  baseUrl: string,
  identity: GitHubIdentity,
  options: { logger?: Logger; gitToken?: string; octokit?: Omit<OctokitOptions, 'logger'> } = {},
): GitHubInstallations {
  const { logger } = options;
  if (!('appId' in identity)) {
    const client = createGitHub(baseUrl, identity, logger, options.octokit);
    return {
      appMode: false,
      forRepo: async () => client,
      forOrg: async () => client,
      remember: () => undefined,
      forget: () => undefined,
      gitToken: async () => options.gitToken ?? identity.token,
    };
  }
  const { appId, privateKey } = identity;
  const app = createOctokit(baseUrl, { appId, privateKey }, { ...options.octokit, ...(logger ? { logger } : {}) });
  const clients = new Map<number, GitHubClient>();
  const auths = new Map<number, ReturnType<typeof createOctokit>>();
  const known = new Map<string, { id: number; until: number }>();
  const gone = new Set<number>();
  const clientOf = (id: number): GitHubClient => {
    let client = clients.get(id);
    if (!client) {
      client = revocable(id, createGitHub(baseUrl, { appId, privateKey, installationId: id }, logger, options.octokit));
      clients.set(id, client);
    }
    return client;
  };
  /**
   * An installation's client that says so when the installation is gone: GitHub refuses its
   * tokens (401) once the App is uninstalled or suspended there, and gives none (404) after.
   * The client is dropped then, so a restored installation gets fresh tokens.
   */
  const revocable = (id: number, client: GitHubClient): GitHubClient => {
    const wrapped = {} as Record<string, unknown>;
    for (const [name, fn] of Object.entries(client) as Array<[string, (...args: unknown[]) => Promise<unknown>]>) {
      wrapped[name] = async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (err) {
          if (
            !isSlipwayError(err) ||
            (err.code !== 'github-bad-credentials' && err.code !== 'github-app-not-installed')
          )
            throw err;
          clients.delete(id);
          auths.delete(id);
          if (err.code === 'github-app-not-installed') throw err;
          throw new PermanentError(
            'github-app-not-installed',
            `installation ${id} of Slipway's GitHub App is gone (uninstalled or suspended): GitHub refused its token`,
            { cause: err, status: 401 },
          );
        }
      };
    }
    return wrapped as unknown as GitHubClient;
  };
  const notInstalled = (what: string, err?: SlipwayError) =>
    new PermanentError(
      'github-app-not-installed',
      `Slipway's GitHub App (id ${appId}) is not installed on ${what}, or its installation was removed: ` +
        'install it there to build',
      { ...(err ? { cause: err } : {}), status: 404 },
    );
  const lookup = async (repo: RepoRef): Promise<number> => {
    const name = `${repo.owner}/${repo.name}`.toLowerCase();
    const cached = known.get(name);
    if (cached && cached.until > Date.now() && !gone.has(cached.id)) return cached.id;
    try {
      const res = await app.rest.apps.getRepoInstallation({ owner: repo.owner, repo: repo.name });
      known.set(name, { id: res.data.id, until: Date.now() + LOOKUP_MS });
      gone.delete(res.data.id);
      return res.data.id;
    } catch (err) {
      const typed = fromOctokit(err);
      if (typed.code !== 'github-not-found') throw typed;
      if (identity.installationId !== undefined && !gone.has(identity.installationId)) return identity.installationId;
      throw notInstalled(`${repo.owner}/${repo.name}`, typed);
    }
  };
  return {
    appMode: true,
    forRepo: async (repo, installationId) =>
      clientOf(installationId !== undefined && !gone.has(installationId) ? installationId : await lookup(repo)),
    forOrg: async (org) => {
      try {
        return clientOf((await app.rest.apps.getOrgInstallation({ org })).data.id);
      } catch (err) {
        const typed = fromOctokit(err);
        if (typed.code !== 'github-not-found') throw typed;
        if (identity.installationId !== undefined) return clientOf(identity.installationId);
        throw notInstalled(`the organization ${org}`, typed);
      }
    },
    remember: (repo, id) => {
      gone.delete(id);
      known.set(`${repo.owner}/${repo.name}`.toLowerCase(), { id, until: Date.now() + LOOKUP_MS });
    },
    forget: (id) => {
      gone.add(id);
      clients.delete(id);
      auths.delete(id);
      for (const [name, entry] of known) if (entry.id === id) known.delete(name);
    },
    gitToken: async (repo, installationId) => {
      const id = installationId !== undefined && !gone.has(installationId) ? installationId : await lookup(repo);
      let octokit = auths.get(id);
      if (!octokit) {
        octokit = createOctokit(baseUrl, { appId, privateKey, installationId: id });
        auths.set(id, octokit);
      }
      try {
        return ((await octokit.auth({ type: 'installation' })) as { token: string }).token;
      } catch (err) {
        throw fromOctokit(err);
      }
    },
  };
}

/**
 * One client that routes every call to the repository's installation (team lookups to the
 * organization's), for code that is handed a single GitHub client (the planner, the reporter,
 * the approver, the receiver).
 */
export function routedGitHub(installations: GitHubInstallations): GitHubClient {
  const on = (repo: RepoRef) => installations.forRepo(repo);
  return {
    fileAt: async (repo, ...rest) => (await on(repo)).fileAt(repo, ...rest),
    createStatus: async (repo, ...rest) => (await on(repo)).createStatus(repo, ...rest),
    createDeployment: async (repo, ...rest) => (await on(repo)).createDeployment(repo, ...rest),
    createDeploymentStatus: async (repo, ...rest) => (await on(repo)).createDeploymentStatus(repo, ...rest),
    roleOf: async (repo, ...rest) => (await on(repo)).roleOf(repo, ...rest),
    inTeam: async (team, user) => (await installations.forOrg(team.split('/')[0] ?? '')).inTeam(team, user),
    pullHead: async (repo, ...rest) => (await on(repo)).pullHead(repo, ...rest),
    behindBy: async (repo, ...rest) => (await on(repo)).behindBy(repo, ...rest),
    openPullsInto: async (repo, ...rest) => (await on(repo)).openPullsInto(repo, ...rest),
    isPrivate: async (repo, ...rest) => (await on(repo)).isPrivate(repo, ...rest),
    branchHead: async (repo, ...rest) => (await on(repo)).branchHead(repo, ...rest),
    createCheckRun: async (repo, ...rest) => (await on(repo)).createCheckRun(repo, ...rest),
    updateCheckRun: async (repo, ...rest) => (await on(repo)).updateCheckRun(repo, ...rest),
  };
}
