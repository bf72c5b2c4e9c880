import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DeploymentStore, type DeploymentState } from './github-stand-in/deployment-store.js';
import { Dispatcher, type FailureSource } from './github-stand-in/dispatcher.js';
import { startGitDaemon, type GitDaemon } from './github-stand-in/git-daemon.js';
import { GitRepos } from './github-stand-in/git-repos.js';
import { HookDeliveryStore, type DeliveryAttempt, type HookOwner } from './github-stand-in/hook-delivery-store.js';
import { AppStore } from './github-stand-in/app-store.js';
import { CheckStore, type StoredCheckRun } from './github-stand-in/check-store.js';
import { serveOAuth } from './github-stand-in/oauth-routes.js';
import { OAuthStore } from './github-stand-in/oauth-store.js';
import { PeopleStore, type RepositoryRole, type TeamRole } from './github-stand-in/people-store.js';
import { simpleUser, type SimpleUser } from './github-stand-in/stand-in-user.js';
import { ReviewStore } from './github-stand-in/review-store.js';
import { StatusStore, type CommitState } from './github-stand-in/status-store.js';

export type { CommitState } from './github-stand-in/status-store.js';
export type { DeploymentState } from './github-stand-in/deployment-store.js';
export type { RepositoryRole, TeamRole } from './github-stand-in/people-store.js';
export type { SimpleUser } from './github-stand-in/stand-in-user.js';
export type { DeliveryAttempt, HookOwner } from './github-stand-in/hook-delivery-store.js';
export type { StoredCheckRun } from './github-stand-in/check-store.js';
export {
  lostAnswer,
  rateLimitExceeded,
  secondaryRateLimit,
  serverError,
  type InjectedFailure,
} from './github-stand-in/failures.js';

/** Options of {@link GitHubStandIn.start}. */
export interface GitHubStandInOptions {
  /** Host name put in {@link GitHubStandIn.apiUrl} (default 127.0.0.1). The server listens on 0.0.0.0. */
  host?: string;
  /** HTTP port (default 0: a free one). */
  port?: number;
  /** Host put in clone URLs (default 172.17.0.1, the docker0 gateway containers can reach). */
  gitHost?: string;
  /** git daemon port (default: a free one). */
  gitPort?: number;
  /** When set, API requests must send `Authorization: token <token>` (or `Bearer`), else 401. */
  token?: string;
}

/** A commit status as recorded for assertions, in posting order. */
export interface RecordedStatus {
  state: CommitState;
  context: string;
  description: string | null;
  target_url: string | null;
}

/** A deployment status as recorded for assertions; a URL or description left out (or sent empty) is null. */
export interface RecordedDeploymentStatus {
  state: DeploymentState;
  environment_url: string | null;
  log_url: string | null;
  description: string | null;
}

/** A deployment as recorded for assertions, with what it was created with. */
export interface RecordedDeployment {
  id: number;
  /** The commit `ref` resolved to when the deployment was created. */
  sha: string;
  /** The ref as sent. */
  ref: string;
  /** The current environment (a status may have moved the deployment to another one). */
  environment: string;
  auto_merge: boolean;
  /** As sent; null when the request left it out. */
  required_contexts: string[] | null;
  production_environment: boolean;
  /** Oldest first, including `inactive` statuses GitHub adds itself (auto_inactive). */
  statuses: RecordedDeploymentStatus[];
}

/** A pull request for {@link GitHubStandIn.addPullRequest}. */
export interface PullRequestSpec {
  number: number;
  /** Full sha of the head commit. */
  headSha: string;
  /** Branch name (without `refs/heads/`) in the head repository. */
  headRef: string;
  /** Branch the pull request targets, in the base repository. */
  baseRef: string;
  /** Login of the author. */
  user: string;
  /** `owner/repo` of a fork the head lives in; default the base repository itself. */
  headRepoFullName?: string;
  /** Default `Pull request #<number>`. */
  title?: string;
  /** Default `open`. */
  state?: 'open' | 'closed';
  /** Default false. */
  draft?: boolean;
  /**
   * The head follows the head branch, as on GitHub: a push to it (also over git://) is the
   * pull request's new head. Default false: the head is `headSha` until registered again.
   */
  followBranch?: boolean;
}

/** One API request the stand-in answered. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, as sent (percent-encoding kept). */
  path: string;
  status: number;
  /** The description's operationId, or undefined for a route GitHub does not have. */
  operationId: string | undefined;
  /** When it arrived (epoch ms), to measure how long a client waited before it asked again. */
  receivedAt: number;
  /** The JSON body sent, undefined when there was none (or it was not JSON). */
  body?: unknown;
  /**
   * For a 403 or 429: when GitHub said to ask again, from `Retry-After` (seconds after the
   * answer) and `x-ratelimit-reset` with `x-ratelimit-remaining: 0` (epoch seconds), in epoch ms.
   */
  retryNoSoonerThan?: number;
}

/**
 * A stand-in for github.com for tests: a REST API (contents, commit statuses, deployments and
 * their statuses, pull requests, commit comparisons, collaborator permissions, team
 * memberships) backed by real bare git repositories, and a `git daemon` serving those
 * repositories over git:// so Docker containers can clone them.
 *
 * Every request is matched to an operation of GitHub's official OpenAPI description
 * (`@octokit/openapi`) and validated against it, and so is every response; each mismatch is
 * appended to {@link violations}, so a test can end with `expect(standIn.violations).toEqual([])`.
 *
 * Lifecycle: `await GitHubStandIn.start()`, then {@link createRepo} and {@link commit}; point
 * Octokit at {@link apiUrl} and clones at {@link cloneUrl}; `await stop()` at the end.
 */
export class GitHubStandIn {
  /** Every departure from GitHub's description seen so far (requests and responses). */
  readonly violations: string[] = [];
  /** Every request answered, in order. */
  readonly requests: RecordedRequest[] = [];
  /** OAuth apps, user tokens and public repositories (see the OAuth methods below). */
  private readonly oauth: OAuthStore;

  private constructor(
    /** Base URL of the REST API, e.g. `http://127.0.0.1:PORT`: Octokit's `baseUrl`. */
    readonly apiUrl: string,
    /** Port of the git daemon. */
    readonly gitPort: number,
    private readonly gitHost: string,
    private readonly root: string,
    private readonly repos: GitRepos,
    private readonly store: StatusStore,
    private readonly deploymentStore: DeploymentStore,
    private readonly people: PeopleStore,
    private readonly apps: AppStore,
    private readonly reviewStore: ReviewStore,
    private readonly checks: CheckStore,
    private readonly dispatcher: Dispatcher,
    private readonly hookDeliveries: HookDeliveryStore,
    private readonly server: Server,
    private readonly daemon: GitDaemon,
    oauth: OAuthStore,
  ) {
    this.oauth = oauth;
  }

  /** The violations recorded while `action` ran. */
  async violationsDuring(action: () => Promise<unknown>): Promise<string[]> {
    const before = this.violations.length;
    await action();
    return this.violations.slice(before);
  }

  /**
   * Registers a GitHub App (its public key) and one installation of it; with `repositories`
   * (`owner/repo`), the installation covers only those, and its tokens reach nothing else.
   */
  registerApp(appId: string, publicKeyPem: string, installationId: number, repositories?: string[]): void {
    this.apps.register(appId, publicKeyPem, installationId, repositories);
  }

  /**
   * What GitHub does when `owner` creates an App from `manifest` (as `slipway app create`
   * writes it) in the browser: the code it sends the browser back with, for the conversion.
   */
  createAppFromManifest(manifest: Record<string, unknown>, owner: string): string {
    return this.apps.manifestCode(
      {
        name: String(manifest.name),
        url: String(manifest.url),
        owner,
        permissions: (manifest.default_permissions ?? {}) as Record<string, string>,
        events: (manifest.default_events ?? []) as string[],
      },
      Date.now(),
    );
  }

  /** Installs an App the stand-in already knows (one made from a manifest) as `installationId`. */
  installApp(appId: string, installationId: number): void {
    this.apps.install(appId, installationId);
  }

  /** The manifest an App was made from, by its id. */
  manifestOf(appId: string): { permissions: Record<string, string>; events: string[] } | undefined {
    return this.apps.fromManifests.get(appId);
  }

  /** Uninstalls an installation: its tokens stop working and its repositories have no installation. */
  uninstallApp(installationId: number): void {
    this.apps.uninstall(installationId);
  }

  /** How many installation tokens were issued for one installation. */
  installationTokensIssuedFor(installationId: number): number {
    return this.apps.issuedFor.get(installationId) ?? 0;
  }

  /**
   * The check runs on `owner/repo@sha` (full sha), oldest first, with every annotation they
   * were given, the installation that created each, its suite, and the states it went through.
   */
  checkRuns(owner: string, repo: string, sha: string): StoredCheckRun[] {
    return this.checks.list(owner, repo, sha);
  }

  /** How many installation tokens were issued. */
  get installationTokensIssued(): number {
    return this.apps.issued;
  }

  /** Starts the HTTP API and the git daemon on a fresh temporary directory. */
  static async start(options: GitHubStandInOptions = {}): Promise<GitHubStandIn> {
    const root = await mkdtemp(path.join(os.tmpdir(), 'slipway-github-'));
    const base = path.join(root, 'repos');
    await mkdir(base);
    const cleanups: Array<() => Promise<void>> = [() => rm(root, { recursive: true, force: true })];
    try {
      const daemon = await startGitDaemon(base, options.gitPort);
      cleanups.unshift(() => daemon.stop());
      const server = createServer();
      await listen(server, options.port ?? 0);
      cleanups.unshift(() => close(server));
      const apiUrl = `http://${options.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
      const repos = new GitRepos(base);
      const store = new StatusStore();
      const deployments = new DeploymentStore();
      const people = new PeopleStore();
      const apps = new AppStore();
      const oauth = new OAuthStore();
      const reviews = new ReviewStore();
      const hookDeliveries = new HookDeliveryStore();
      const checks = new CheckStore();
      const dispatcher = new Dispatcher({
        ...(options.token === undefined ? {} : { token: options.token }),
        context: { repos, statuses: store, deployments, checks, people, apps, oauth, reviews, hookDeliveries, apiUrl },
      });
      const standIn = new GitHubStandIn(
        apiUrl,
        daemon.port,
        options.gitHost ?? '172.17.0.1',
        root,
        repos,
        store,
        deployments,
        people,
        apps,
        reviews,
        checks,
        dispatcher,
        hookDeliveries,
        server,
        daemon,
        oauth,
      );
      server.on('request', (req, res) => {
        standIn.serve(req, res).catch((error: unknown) => {
          standIn.violations.push(`stand-in failed to serve ${req.method} ${req.url}: ${String(error)}`);
          res.destroy();
        });
      });
      return standIn;
    } catch (error) {
      for (const cleanup of cleanups) await cleanup().catch(() => undefined);
      throw error;
    }
  }

  /** `git://<gitHost>:<gitPort>/<owner>/<repo>.git` */
  cloneUrl(owner: string, repo: string): string {
    return `git://${this.gitHost}:${this.gitPort}/${owner}/${repo}.git`;
  }

  /** Creates an empty repository (its default branch becomes the first branch committed to). */
  async createRepo(owner: string, repo: string): Promise<void> {
    await this.repos.create(owner, repo);
  }

  /**
   * Commits `files` (path → content) on top of `branch`'s tree with real git and returns the
   * commit's full 40-character sha. A branch that does not exist yet is created: from
   * nothing (an empty tree, no parent), or, when `from` (a branch, tag or sha) is given, from
   * that commit, like `git branch <branch> <from>`. `from` is ignored for an existing branch.
   */
  async commit(
    owner: string,
    repo: string,
    branch: string,
    files: Record<string, string>,
    message?: string,
    from?: string,
  ): Promise<string> {
    return this.repos.commit(owner, repo, branch, files, message, from);
  }

  /** Statuses posted for `owner/repo@sha` (full sha), oldest first. */
  statuses(owner: string, repo: string, sha: string): RecordedStatus[] {
    return this.store.list(owner, repo, sha).map((s) => ({
      state: s.state as CommitState,
      context: s.context,
      description: s.description,
      target_url: s.target_url,
    }));
  }

  /** The last status posted for `owner/repo@sha` in `context` (case-insensitive, as GitHub). */
  latestStatus(owner: string, repo: string, sha: string, context: string): RecordedStatus | undefined {
    return this.statuses(owner, repo, sha)
      .filter((s) => s.context.toLowerCase() === context.toLowerCase())
      .at(-1);
  }

  /** Deployments created in `owner/repo`, in creation order, each with its statuses oldest first. */
  deployments(owner: string, repo: string): RecordedDeployment[] {
    const orNull = (value: string): string | null => (value === '' ? null : value);
    return this.deploymentStore.list(owner, repo).map((d) => ({
      id: d.deployment.id,
      sha: d.deployment.sha,
      ref: d.deployment.ref,
      environment: d.deployment.environment,
      auto_merge: d.auto_merge,
      required_contexts: d.required_contexts === null ? null : [...d.required_contexts],
      production_environment: d.deployment.production_environment ?? false,
      statuses: d.statuses.map((s) => ({
        state: s.state,
        environment_url: orNull(s.environment_url ?? ''),
        log_url: orNull(s.log_url ?? ''),
        description: orNull(s.description ?? ''),
      })),
    }));
  }

  /**
   * Gives `user` the repository role `role` on `owner/repo` (replacing an earlier one), as
   * `GET .../collaborators/{username}/permission` then reports: `role_name` is the role and
   * `permission` GitHub's legacy mapping (maintain → write, triage → read). The user becomes
   * known; a known user without a role gets "none", an unknown login 404.
   */
  setPermission(owner: string, repo: string, user: string, role: RepositoryRole): void {
    this.people.setRole(owner, repo, user, role);
  }

  /** Adds `user` (now known) to team `teamSlug` of organization `org` with `role` (default member). */
  addTeamMember(org: string, teamSlug: string, user: string, role: TeamRole = 'member'): void {
    this.people.addTeamMember(org, teamSlug, user, role);
  }

  /**
   * Registers (or replaces) pull request `pr.number` of `owner/repo` for `GET .../pulls/{n}`
   * and `GET .../pulls`; its author becomes a known user. The repository must exist when the request comes.
   */
  addPullRequest(owner: string, repo: string, pr: PullRequestSpec): void {
    this.people.addPullRequest({
      owner,
      repo,
      number: pr.number,
      headSha: pr.headSha,
      headRef: pr.headRef,
      baseRef: pr.baseRef,
      user: pr.user,
      headRepoFullName: pr.headRepoFullName ?? `${owner}/${repo}`,
      title: pr.title ?? `Pull request #${pr.number}`,
      state: pr.state ?? 'open',
      draft: pr.draft ?? false,
      ...(pr.followBranch ? { followBranch: true } : {}),
    });
  }

  /**
   * Closes registered pull request `number` of `owner/repo` without merging it, as closing it
   * on GitHub would: `state` becomes closed and `closed_at` the current time. Closing a closed
   * pull request changes nothing; one never registered throws.
   */
  closePullRequest(owner: string, repo: string, number: number): void {
    this.people.closePullRequest(owner, repo, number);
  }

  /**
   * The Simple User object the stand-in's responses embed for `login` (its id is given on
   * first use and stable after), e.g. for webhook payloads that must agree with the API.
   */
  user(login: string): SimpleUser {
    const account = this.people.account(login);
    return simpleUser(this.apiUrl, account.login, account.id, account.type);
  }

  /**
   * Makes the next `count` API requests that match an operation (only those of `operationId`,
   * e.g. `repos/get-content`, when given) fail, to exercise retries: with `failure` as a status
   * (default 502) and GitHub's error body, or as GitHub's whole answer, headers included
   * (`rateLimitExceeded`, `secondaryRateLimit`, `serverError`; `lostAnswer` carries the
   * request out and then fails, as a write whose answer GitHub lost), or a function of the
   * moment the request arrives that makes one (`(now) => rateLimitExceeded(new Date(+now + 3000))`).
   * They are recorded like any
   * request, and the answers are validated like any other. Calls add up: each is used in turn.
   */
  failNext(count = 1, failure: number | FailureSource = 502, operationId?: string): void {
    this.dispatcher.failNext(count, failure, operationId);
  }

  /**
   * The web host's base URL, where GitHub's OAuth web flow lives (`/login/oauth/…`): the same
   * server as the API here, as Octokit derives it from a non-github.com `baseUrl`.
   */
  get webUrl(): string {
    return this.apiUrl;
  }

  /** Registers an OAuth app (or a GitHub App's OAuth credentials) the web flow accepts. */
  registerOAuthApp(clientId: string, clientSecret: string): void {
    this.oauth.registerClient(clientId, clientSecret);
  }

  /**
   * Who the authorize page signs in as, without showing its chooser (undefined: it shows one
   * link per known user, as a person would pick an account). The user becomes known.
   */
  signInAs(login: string | undefined): void {
    if (login !== undefined) this.people.registerUser(login);
    this.oauth.chosenLogin = login;
  }

  /** How many user tokens the web flow issued. */
  get userTokensIssued(): number {
    return this.oauth.issued;
  }

  /**
   * Makes `owner/repo` public or private (default: private) for `GET /repos/{o}/{r}` and for
   * collaborator permissions (on a public repository every known user has read).
   */
  setVisibility(owner: string, repo: string, visibility: 'public' | 'private'): void {
    this.oauth.setPublic(owner, repo, visibility === 'public');
  }

  /**
   * Requires `contexts` to be green before anything merges into `branch` of `owner/repo`, as
   * branch protection's required status checks (`strict`: the branch must be up to date).
   */
  protect(owner: string, repo: string, branch: string, contexts: string[], strict = true): void {
    this.reviewStore.protect(owner, repo, branch, contexts, strict);
  }

  /** `user` (now known) reviews pull request `number` on head `commitId` (default: its head now). */
  review(
    owner: string,
    repo: string,
    number: number,
    user: string,
    state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED',
    commitId?: string,
  ): void {
    this.people.registerUser(user);
    const pr = this.people.pullRequest(owner, repo, number);
    if (pr === undefined) throw new Error(`no pull request #${number} registered for ${owner}/${repo}`);
    this.reviewStore.addReview(owner, repo, number, { user, state, commit_id: commitId ?? pr.headSha, body: '' });
  }

  /** The comments posted on pull request `number`, oldest first. */
  comments(owner: string, repo: string, number: number): Array<{ user: string; body: string }> {
    return this.reviewStore.commentsOn(owner, repo, number).map((c) => ({ user: c.user, body: c.body }));
  }

  /** Pull request `number` as the stand-in holds it now: head, state, and whether it was merged. */
  pullRequest(
    owner: string,
    repo: string,
    number: number,
  ): { headSha: string; baseRef: string; headRef: string; state: 'open' | 'closed'; merged: boolean } | undefined {
    const pr = this.people.pullRequest(owner, repo, number);
    return (
      pr && {
        headSha: pr.headSha,
        baseRef: pr.baseRef,
        headRef: pr.headRef,
        state: pr.state,
        merged: Boolean(pr.merged_at),
      }
    );
  }

  /** The commit `ref` (a branch, tag or sha) of `owner/repo` names now, or undefined. */
  resolve(owner: string, repo: string, ref: string): Promise<string | undefined> {
    return this.repos.resolveCommit(owner, repo, ref);
  }

  /** The commits of `head` not in `base`, oldest first, with their parents (to check there is no merge commit). */
  async log(
    owner: string,
    repo: string,
    base: string,
    head: string,
  ): Promise<Array<{ sha: string; parents: string[] }>> {
    return (await this.repos.commitsBetween(owner, repo, base, head)).map((c) => ({ sha: c.sha, parents: c.parents }));
  }

  /**
   * Adds a webhook (the App's, or one of a repository) posting to `url` signed with `secret`;
   * returns its id (a repository hook's `hook_id`). Its deliveries are listed and redelivered
   * through the deliveries API (`apps/list-webhook-deliveries`, `repos/list-webhook-deliveries`
   * and their `redeliver` operations).
   */
  addWebhook(owner: HookOwner, url: string, secret: string): number {
    return this.hookDeliveries.addHook(owner, url, secret);
  }

  /**
   * Delivers `payload` as `event` to hook `hookId`, as GitHub would (a signed POST with a new
   * `X-GitHub-Delivery`, or `guid`), and records the attempt with the status it got (0 when
   * nothing answered). Resolves once it was answered.
   */
  deliverWebhook(hookId: number, event: string, payload: unknown, guid?: string): Promise<DeliveryAttempt> {
    return this.hookDeliveries.deliver(hookId, event, payload, guid);
  }

  /** Every attempt of hook `hookId`, newest first, redeliveries included. */
  webhookAttempts(hookId: number): DeliveryAttempt[] {
    return this.hookDeliveries.list(hookId);
  }

  /** Resolves once every redelivery asked for through the API has been answered. */
  redeliveriesSettled(): Promise<void> {
    return this.hookDeliveries.settled();
  }

  /** Stops the API and the git daemon and deletes the repositories. */
  async stop(): Promise<void> {
    await close(this.server);
    await this.daemon.stop();
    await rm(this.root, { recursive: true, force: true });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://stand-in.invalid');
    const incoming = { method, url, headers: req.headers, body: Buffer.concat(chunks) };
    const answer =
      serveOAuth(incoming, this.oauth, this.people, () => this.people.knownLogins()) ??
      (await this.dispatcher.dispatch(incoming));
    this.violations.push(...answer.violations);
    const sent = jsonOrUndefined(incoming.body);
    const notBefore = answer.status === 403 || answer.status === 429 ? retryNoSoonerThan(answer.headers) : undefined;
    this.requests.push({
      method,
      path: url.pathname,
      status: answer.status,
      operationId: answer.operationId,
      receivedAt,
      ...(sent === undefined ? {} : { body: sent }),
      ...(notBefore === undefined ? {} : { retryNoSoonerThan: notBefore }),
    });
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.payload.length) });
    res.end(answer.payload);
  }
}

/** What a rate-limited answer's headers ask of the client, as an epoch-ms time; undefined when nothing. */
function retryNoSoonerThan(headers: Record<string, string>): number | undefined {
  const times: number[] = [];
  const retryAfter = Number(headers['retry-after']);
  if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter)) times.push(Date.now() + retryAfter * 1000);
  const reset = Number(headers['x-ratelimit-reset']);
  if (headers['x-ratelimit-remaining'] === '0' && reset > 0) times.push(reset * 1000);
  return times.length === 0 ? undefined : Math.max(...times);
}

function jsonOrUndefined(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    // Octokit's fetch keeps connections alive; without this close() waits for them.
    server.closeAllConnections();
  });
}

/** An Octokit `log` that says nothing: Octokit logs every failed request, and tests fail some on purpose. */
export const quietLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
