import type { RestEndpointMethodTypes } from '@octokit/rest';
import { paginate } from './pagination.js';
import type { StoredPullRequest } from './people-store.js';
import { githubError, notFound, type RouteContext, type RouteHandler } from './route-types.js';
import { simpleUser, STAND_IN_LOGIN, STAND_IN_USER_ID, type SimpleUser } from './stand-in-user.js';

/** A pull request as GitHub returns it from `GET /repos/{owner}/{repo}/pulls/{pull_number}`. */
export type PullRequest = RestEndpointMethodTypes['pulls']['get']['response']['data'];

/** A pull request as GitHub lists it ("Pull Request Simple"): without the detail-only fields. */
export type PullRequestSimple = RestEndpointMethodTypes['pulls']['list']['response']['data'][number];

/** A full repository object as GitHub embeds it in a pull request's `head` and `base`. */
export type PullRequestRepository = PullRequest['base']['repo'];

/** Fields of a full pull request that lists leave out (mergeability, counts, merge state). */
const DETAIL_ONLY_FIELDS = new Set([
  'merged',
  'mergeable',
  'rebaseable',
  'mergeable_state',
  'merged_by',
  'comments',
  'review_comments',
  'maintainer_can_modify',
  'commits',
  'additions',
  'deletions',
  'changed_files',
]);

/**
 * `GET /repos/{owner}/{repo}/pulls/{pull_number}` (pulls/get): the full pull request a test
 * registered, 404 for any other number or a repository the stand-in does not have. `head`
 * carries the registered sha and branch, in the head repository (a fork when one was
 * given); `base.sha` is the base branch's current commit (the head sha when the branch does
 * not resolve). Like GitHub before it has computed mergeability, `mergeable` is null and
 * `mergeable_state` "unknown". It is `merged` once a ref update put its head on its base
 * (git/update-ref), as GitHub marks it.
 */
export const getPullRequest: RouteHandler = async (request, context) => {
  const { owner = '', repo = '', pull_number: rawNumber = '' } = request.params;
  if (!(await context.repos.exists(owner, repo))) return notFound(context);
  if (!/^\d+$/.test(rawNumber)) return notFound(context);
  const stored = context.people.pullRequest(owner, repo, Number(rawNumber));
  if (stored === undefined) return notFound(context);
  return { status: 200, body: await pullRequestObject(await followed(stored, context), context) };
};

/**
 * `GET /repos/{owner}/{repo}/pulls` (pulls/list): the registered pull requests of the
 * repository as "Pull Request Simple" objects (a pull request as pulls/get returns it, minus
 * the detail-only fields), paginated. Filters as GitHub applies them: `state` open (default),
 * closed or all; `base`, the base branch name; `head` in the form `user:ref` (the head
 * repository's owner and branch; a value without `:` is ignored, as GitHub ignores it).
 * `sort` created (default) orders by creation; updated, popularity and long-running fall
 * back to the same order, the stand-in having no activity to rank by. `direction` defaults to
 * desc for created, else asc.
 */
export const listPullRequests: RouteHandler = async (request, context) => {
  const { owner = '', repo = '' } = request.params;
  if (!(await context.repos.exists(owner, repo))) return notFound(context);
  const filters = new URLSearchParams();
  for (const name of ['state', 'head', 'base', 'sort', 'direction']) {
    const value = request.query.get(name);
    if (value !== null) filters.set(name, value);
  }
  const state = filters.get('state') ?? 'open';
  const base = filters.get('base');
  const head = filters.get('head');
  const colon = head?.indexOf(':') ?? -1;
  const headOwner = head !== null && colon >= 0 ? head.slice(0, colon).toLowerCase() : undefined;
  const headRef = head !== null && colon >= 0 ? head.slice(colon + 1) : undefined;
  const sort = filters.get('sort') ?? 'created';
  const descending = (filters.get('direction') ?? (sort === 'created' ? 'desc' : 'asc')) === 'desc';
  const selected = context.people
    .pullRequests(owner, repo)
    .filter(
      (pr) =>
        (state === 'all' || pr.state === state) &&
        (base === null || pr.baseRef === base) &&
        (headOwner === undefined ||
          ((pr.headRepoFullName.split('/')[0] ?? '').toLowerCase() === headOwner && pr.headRef === headRef)),
    )
    .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id);
  if (descending) selected.reverse();
  const all = await Promise.all(selected.map(async (pr) => simplePullRequest(await pullRequestObject(pr, context))));
  const query = filters.toString();
  const listUrl = `${context.apiUrl}/repos/${owner}/${repo}/pulls${query === '' ? '' : `?${query}`}`;
  return { status: 200, ...paginate(all, request.query, listUrl) };
};

/** A full pull request as lists show it. */
function simplePullRequest(full: PullRequest): PullRequestSimple {
  return Object.fromEntries(Object.entries(full).filter(([key]) => !DETAIL_ONLY_FIELDS.has(key))) as PullRequestSimple;
}

/** A pull request whose head follows its branch, with the head the branch has now (stored, so merges see it). */
export async function followed(pr: StoredPullRequest, context: RouteContext): Promise<StoredPullRequest> {
  if (!pr.followBranch || pr.state !== 'open') return pr;
  const tip = await context.repos.resolveCommit(pr.owner, pr.repo, `refs/heads/${pr.headRef}`);
  if (tip === undefined || tip === pr.headSha) return pr;
  return context.people.addPullRequest({ ...pr, headSha: tip });
}

export async function pullRequestObject(pr: StoredPullRequest, context: RouteContext): Promise<PullRequest> {
  const { apiUrl, people } = context;
  const repoUrl = `${apiUrl}/repos/${pr.owner}/${pr.repo}`;
  const htmlRepoUrl = `${apiUrl}/${pr.owner}/${pr.repo}`;
  const url = `${repoUrl}/pulls/${pr.number}`;
  const htmlUrl = `${htmlRepoUrl}/pull/${pr.number}`;
  const issueUrl = `${repoUrl}/issues/${pr.number}`;
  const defaultBranch = await context.repos.defaultBranch(pr.owner, pr.repo);
  const baseSha = (await context.repos.resolveCommit(pr.owner, pr.repo, pr.baseRef)) ?? pr.headSha;
  const author = people.account(pr.user);
  const user = simpleUser(apiUrl, author.login, author.id);
  const baseRepo = repositoryObject(context, pr.owner, pr.repo, defaultBranch, false, pr.created_at);
  const [headOwner = pr.owner, headName = pr.repo] = pr.headRepoFullName.split('/');
  const sameRepo =
    headOwner.toLowerCase() === pr.owner.toLowerCase() && headName.toLowerCase() === pr.repo.toLowerCase();
  const headRepo = sameRepo
    ? baseRepo
    : repositoryObject(context, headOwner, headName, defaultBranch, true, pr.created_at);
  const closed = pr.state === 'closed';
  return {
    url,
    id: pr.id,
    node_id: Buffer.from(`011:PullRequest${pr.id}`).toString('base64'),
    html_url: htmlUrl,
    diff_url: `${htmlUrl}.diff`,
    patch_url: `${htmlUrl}.patch`,
    issue_url: issueUrl,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${repoUrl}/pulls/comments{/number}`,
    comments_url: `${issueUrl}/comments`,
    statuses_url: `${repoUrl}/statuses/${pr.headSha}`,
    number: pr.number,
    state: pr.state,
    locked: false,
    title: pr.title,
    user,
    body: null,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: pr.created_at,
    updated_at: pr.closed_at ?? pr.created_at,
    closed_at: closed ? (pr.closed_at ?? pr.created_at) : null,
    merged_at: pr.merged_at ?? null,
    merge_commit_sha: pr.merged_at ? pr.headSha : null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: {
      label: `${headOwner}:${pr.headRef}`,
      ref: pr.headRef,
      sha: pr.headSha,
      repo: headRepo,
      user: headRepo.owner,
    },
    base: {
      label: `${pr.owner}:${pr.baseRef}`,
      ref: pr.baseRef,
      sha: baseSha,
      repo: baseRepo,
      user: baseRepo.owner,
    },
    _links: {
      self: { href: url },
      html: { href: htmlUrl },
      issue: { href: issueUrl },
      comments: { href: `${issueUrl}/comments` },
      review_comments: { href: `${url}/comments` },
      review_comment: { href: `${repoUrl}/pulls/comments{/number}` },
      commits: { href: `${url}/commits` },
      statuses: { href: `${repoUrl}/statuses/${pr.headSha}` },
    },
    author_association: authorAssociation(context, pr),
    auto_merge: null,
    draft: pr.draft,
    merged: Boolean(pr.merged_at),
    mergeable: null,
    rebaseable: null,
    mergeable_state: 'unknown',
    merged_by: pr.merged_at ? simpleUser(apiUrl, STAND_IN_LOGIN, STAND_IN_USER_ID) : null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: 1,
    additions: 0,
    deletions: 0,
    changed_files: 0,
  };
}

/** How the author relates to the base repository, by what tests registered. */
function authorAssociation(context: RouteContext, pr: StoredPullRequest): PullRequest['author_association'] {
  if (pr.user.toLowerCase() === pr.owner.toLowerCase()) return 'OWNER';
  if (context.people.isOrgMember(pr.owner, pr.user)) return 'MEMBER';
  if (context.people.role(pr.owner, pr.repo, pr.user) !== undefined) return 'COLLABORATOR';
  return 'NONE';
}

/** A repository object for `owner/name`; the stand-in's repositories behave as private ones. */
export function repositoryObject(
  context: RouteContext,
  owner: string,
  name: string,
  defaultBranch: string,
  fork: boolean,
  timestamp: string,
): PullRequestRepository {
  const { apiUrl } = context;
  const account = context.people.account(owner);
  const ownerUser: SimpleUser = simpleUser(apiUrl, account.login, account.id, account.type);
  const id = context.people.repositoryId(owner, name);
  const url = `${apiUrl}/repos/${owner}/${name}`;
  const htmlUrl = `${apiUrl}/${owner}/${name}`;
  const host = new URL(apiUrl).host;
  return {
    id,
    node_id: Buffer.from(`010:Repository${id}`).toString('base64'),
    name,
    full_name: `${owner}/${name}`,
    owner: ownerUser,
    private: true,
    visibility: 'private',
    html_url: htmlUrl,
    description: null,
    fork,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_url: `git://${host}/${owner}/${name}.git`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    ssh_url: `git@${host}:${owner}/${name}.git`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
    clone_url: `${htmlUrl}.git`,
    mirror_url: null,
    hooks_url: `${url}/hooks`,
    svn_url: htmlUrl,
    homepage: null,
    language: null,
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 0,
    default_branch: defaultBranch,
    open_issues: 0,
    open_issues_count: 0,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    archived: false,
    disabled: false,
    pushed_at: timestamp,
    created_at: timestamp,
    updated_at: timestamp,
    license: null,
    allow_forking: true,
    web_commit_signoff_required: false,
  };
}

/**
 * `POST /repos/{owner}/{repo}/pulls` (pulls/create): `head` a branch of the repository (or
 * `owner:branch` with its own owner), `base` another branch; 422 when either names no
 * branch, they are the same commit, or an open pull request already has that head and base.
 * Its author is the stand-in's user; its head sha is the head branch's commit now.
 */
export const createPullRequest: RouteHandler = async (request, context) => {
  const { owner = '', repo = '' } = request.params;
  if (!(await context.repos.exists(owner, repo))) return notFound(context);
  const body = (request.body ?? {}) as { head?: unknown; base?: unknown; title?: unknown; draft?: unknown };
  const head = typeof body.head === 'string' ? body.head.replace(new RegExp(`^${owner}:`, 'i'), '') : '';
  const base = typeof body.base === 'string' ? body.base : '';
  const invalid = (message: string) =>
    githubError(422, 'Validation Failed', context.docsUrl, {
      errors: [{ resource: 'PullRequest', code: 'custom', message }],
    });
  const headSha = head.includes(':') ? undefined : await context.repos.resolveCommit(owner, repo, `refs/heads/${head}`);
  const baseSha = await context.repos.resolveCommit(owner, repo, `refs/heads/${base}`);
  if (headSha === undefined) return invalid(`head ${String(body.head)} is not a branch of ${owner}/${repo}`);
  if (baseSha === undefined) return invalid(`base ${String(body.base)} is not a branch of ${owner}/${repo}`);
  if (headSha === baseSha) return invalid(`No commits between ${base} and ${head}`);
  const existing = context.people.pullRequests(owner, repo);
  if (existing.some((pr) => pr.state === 'open' && pr.headRef === head && pr.baseRef === base))
    return invalid(`A pull request already exists for ${owner}:${head}.`);
  const stored = context.people.addPullRequest({
    owner,
    repo,
    number: Math.max(0, ...existing.map((pr) => pr.number)) + 1,
    headSha,
    headRef: head,
    baseRef: base,
    user: STAND_IN_LOGIN,
    headRepoFullName: `${owner}/${repo}`,
    title: typeof body.title === 'string' ? body.title : head,
    state: 'open',
    draft: body.draft === true,
  });
  const created = await pullRequestObject(stored, context);
  return { status: 201, headers: { location: created.url }, body: created };
};
