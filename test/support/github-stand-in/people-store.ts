import { STAND_IN_LOGIN, STAND_IN_USER_ID } from './stand-in-user.js';

/** The base repository roles GitHub assigns (custom roles aside), strongest first. */
export const REPOSITORY_ROLES = ['admin', 'maintain', 'write', 'triage', 'read'] as const;

/** One of {@link REPOSITORY_ROLES}. */
export type RepositoryRole = (typeof REPOSITORY_ROLES)[number];

/** The legacy `permission` GitHub reports for a role: maintain counts as write, triage as read. */
export type LegacyPermission = 'admin' | 'write' | 'read' | 'none';

/** A user's role in a team. */
export type TeamRole = 'member' | 'maintainer';

/** An account the stand-in knows, by the login it was registered with. */
export interface Account {
  login: string;
  id: number;
  type: 'User' | 'Organization';
}

/** A team of an organization, with its members. */
export interface StoredTeam {
  id: number;
  slug: string;
  /** Members by lower-cased login. */
  members: Map<string, { login: string; role: TeamRole }>;
}

/** A pull request as a test registered it; the wire object is built per request. */
export interface StoredPullRequest {
  id: number;
  number: number;
  owner: string;
  repo: string;
  headSha: string;
  headRef: string;
  baseRef: string;
  /** The author's login. */
  user: string;
  /** `owner/repo` of the head repository (a fork), or the base repository itself. */
  headRepoFullName: string;
  title: string;
  state: 'open' | 'closed';
  draft: boolean;
  created_at: string;
  /** When the pull request was closed; null while it is open. */
  closed_at: string | null;
  /** When its base branch came to contain its head (GitHub then closes it as merged). */
  merged_at?: string | null;
  /** Its head follows the head branch, as on GitHub: a push to the branch is a new head. */
  followBranch?: boolean;
}

/** The legacy permission of a role, as GitHub maps it. */
export function legacyPermission(role: RepositoryRole | undefined): LegacyPermission {
  if (role === undefined) return 'none';
  if (role === 'admin') return 'admin';
  if (role === 'maintain' || role === 'write') return 'write';
  return 'read';
}

/**
 * Accounts, repository roles, teams and pull requests that tests register. Logins, owner,
 * repository, organization and team names are case-insensitive, as on GitHub.
 */
export class PeopleStore {
  /** Every account with an id, by lower-cased login. */
  private readonly accounts = new Map<string, Account>();
  /** Lower-cased logins of users the stand-in treats as existing (others are 404 "not a user"). */
  private readonly known = new Set<string>([STAND_IN_LOGIN]);
  private readonly roles = new Map<string, RepositoryRole>();
  private readonly teams = new Map<string, StoredTeam>();
  private readonly pulls = new Map<string, StoredPullRequest>();
  private readonly repositoryIds = new Map<string, number>();
  private nextAccountId = STAND_IN_USER_ID + 1;
  private nextTeamId = 1;
  private nextPullId = 1;
  private nextRepositoryId = 1;

  constructor() {
    this.accounts.set(STAND_IN_LOGIN, { login: STAND_IN_LOGIN, id: STAND_IN_USER_ID, type: 'User' });
  }

  /**
   * The account `login`, given an id on first sight. An account first seen as a repository
   * owner is a User unless it was registered as an organization (by a team).
   */
  account(login: string, type: 'User' | 'Organization' = 'User'): Account {
    const key = login.toLowerCase();
    let account = this.accounts.get(key);
    if (account === undefined) {
      account = { login, id: this.nextAccountId++, type };
      this.accounts.set(key, account);
    } else if (type === 'Organization' && account.type !== type) {
      account = { ...account, type };
      this.accounts.set(key, account);
    }
    return account;
  }

  /** A stable id for repository `owner/repo` (given on first use), as embedded in pull requests. */
  repositoryId(owner: string, repo: string): number {
    const key = `${owner.toLowerCase()}/${repo.toLowerCase()}`;
    let id = this.repositoryIds.get(key);
    if (id === undefined) {
      id = this.nextRepositoryId++;
      this.repositoryIds.set(key, id);
    }
    return id;
  }

  /** Makes `login` a known user (one GitHub would not answer "is not a user" for). */
  registerUser(login: string): Account {
    this.known.add(login.toLowerCase());
    return this.account(login);
  }

  /** Every known user's login, in the order they became known. */
  knownLogins(): string[] {
    return [...this.known].map((key) => this.account(key).login);
  }

  /** The known user `login`, or undefined for a login never registered. */
  knownUser(login: string): Account | undefined {
    return this.known.has(login.toLowerCase()) ? this.account(login) : undefined;
  }

  /** Gives `login` the role `role` on `owner/repo` (replacing any earlier one). */
  setRole(owner: string, repo: string, login: string, role: RepositoryRole): void {
    this.registerUser(login);
    this.roles.set(roleKey(owner, repo, login), role);
  }

  /** The role of `login` on `owner/repo`, or undefined when it has none. */
  role(owner: string, repo: string, login: string): RepositoryRole | undefined {
    return this.roles.get(roleKey(owner, repo, login));
  }

  /** Adds `login` to team `slug` of `org` (created on first use) with `role`. */
  addTeamMember(org: string, slug: string, login: string, role: TeamRole): void {
    this.account(org, 'Organization');
    const user = this.registerUser(login);
    const key = teamKey(org, slug);
    let team = this.teams.get(key);
    if (team === undefined) {
      team = { id: this.nextTeamId++, slug, members: new Map() };
      this.teams.set(key, team);
    }
    team.members.set(login.toLowerCase(), { login: user.login, role });
  }

  /** Team `slug` of `org`, or undefined. */
  team(org: string, slug: string): StoredTeam | undefined {
    return this.teams.get(teamKey(org, slug));
  }

  /** True when `login` belongs to any team of `org`. */
  isOrgMember(org: string, login: string): boolean {
    const prefix = `${org.toLowerCase()}/`;
    for (const [key, team] of this.teams) {
      if (key.startsWith(prefix) && team.members.has(login.toLowerCase())) return true;
    }
    return false;
  }

  /**
   * Registers (or replaces) pull request `fields.number` of `fields.owner/fields.repo`. One
   * registered closed counts as closed when it was created.
   */
  addPullRequest(fields: Omit<StoredPullRequest, 'id' | 'created_at' | 'closed_at'>): StoredPullRequest {
    this.registerUser(fields.user);
    const key = pullKey(fields.owner, fields.repo, fields.number);
    const earlier = this.pulls.get(key);
    const createdAt = earlier?.created_at ?? now();
    const stored: StoredPullRequest = {
      ...fields,
      id: earlier?.id ?? this.nextPullId++,
      created_at: createdAt,
      closed_at: fields.state === 'closed' ? (earlier?.closed_at ?? createdAt) : null,
    };
    this.pulls.set(key, stored);
    return stored;
  }

  /** Pull request `number` of `owner/repo`, or undefined. */
  pullRequest(owner: string, repo: string, number: number): StoredPullRequest | undefined {
    return this.pulls.get(pullKey(owner, repo, number));
  }

  /** Every pull request registered for `owner/repo`, in registration order. */
  pullRequests(owner: string, repo: string): StoredPullRequest[] {
    const prefix = `${owner.toLowerCase()}/${repo.toLowerCase()}#`;
    return [...this.pulls].filter(([key]) => key.startsWith(prefix)).map(([, pr]) => pr);
  }

  /**
   * Marks open pull request `number` of `owner/repo` merged and closed, as GitHub does once
   * its base branch contains its head. One already closed stays as it is.
   */
  mergePullRequest(owner: string, repo: string, number: number): StoredPullRequest | undefined {
    const key = pullKey(owner, repo, number);
    const stored = this.pulls.get(key);
    if (stored === undefined || stored.state === 'closed') return stored;
    const at = now();
    const merged: StoredPullRequest = { ...stored, state: 'closed', closed_at: at, merged_at: at };
    this.pulls.set(key, merged);
    return merged;
  }

  /**
   * Closes pull request `number` of `owner/repo` (without merging it), recording when; one
   * already closed stays as it is. Throws for a pull request never registered.
   */
  closePullRequest(owner: string, repo: string, number: number): StoredPullRequest {
    const key = pullKey(owner, repo, number);
    const stored = this.pulls.get(key);
    if (stored === undefined) throw new Error(`no pull request #${number} registered for ${owner}/${repo}`);
    if (stored.state === 'closed') return stored;
    const closed: StoredPullRequest = { ...stored, state: 'closed', closed_at: now() };
    this.pulls.set(key, closed);
    return closed;
  }
}

/** The current time as GitHub writes it: UTC, whole seconds. */
function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function roleKey(owner: string, repo: string, login: string): string {
  return `${owner.toLowerCase()}/${repo.toLowerCase()}:${login.toLowerCase()}`;
}

function teamKey(org: string, slug: string): string {
  return `${org.toLowerCase()}/${slug.toLowerCase()}`;
}

function pullKey(owner: string, repo: string, number: number): string {
  return `${owner.toLowerCase()}/${repo.toLowerCase()}#${number}`;
}
