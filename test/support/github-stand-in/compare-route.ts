import type { RestEndpointMethodTypes } from '@octokit/rest';
import type { ChangedFile, CommitInfo } from './git-repos.js';
import { paginate } from './pagination.js';
import { githubError, notFound, type RouteContext, type RouteHandler } from './route-types.js';

/** A comparison as GitHub returns it from `GET /repos/{owner}/{repo}/compare/{basehead}`. */
export type Comparison = RestEndpointMethodTypes['repos']['compareCommitsWithBasehead']['response']['data'];

/** A commit as a comparison embeds it (`base_commit`, `merge_base_commit`, `commits[]`). */
type ComparisonCommit = Comparison['base_commit'];

/** A changed file of a comparison ("Diff Entry"). */
type DiffEntry = NonNullable<Comparison['files']>[number];

/** GitHub lists at most this many commits in a comparison not asked to paginate. */
const MAX_UNPAGINATED_COMMITS = 250;

/**
 * `GET /repos/{owner}/{repo}/compare/{basehead}` (repos/compare-commits-with-basehead), with
 * `basehead` as `BASE...HEAD`, each a branch, tag or sha of the repository (optionally
 * prefixed `OWNER:` with the repository's own owner), computed with git in the bare
 * repository: `ahead_by` counts the commits reachable from HEAD but not BASE, `behind_by`
 * the reverse, and `status` is identical, ahead, behind or diverged accordingly;
 * `total_commits` equals `ahead_by` and `commits` lists those commits oldest first (at most
 * 250, or one page when `page`/`per_page` is given, with GitHub's `Link` header). `files` is
 * the diff from the merge base to HEAD, as GitHub's three-dot comparison shows it. Commits
 * are by an identity no GitHub account has, so their `author` and `committer` are null.
 *
 * 404 for a `basehead` without `...`, a ref that names no commit, another owner's ref (the
 * stand-in has no fork networks) or commits without a common ancestor.
 */
export const compareCommits: RouteHandler = async (request, context) => {
  const { owner = '', repo = '', basehead = '' } = request.params;
  if (!(await context.repos.exists(owner, repo))) return notFound(context);
  const separator = basehead.indexOf('...');
  if (separator < 0) return notFound(context);
  const base = ownRef(owner, basehead.slice(0, separator));
  const head = ownRef(owner, basehead.slice(separator + 3));
  if (base === undefined || head === undefined) return notFound(context);
  const baseSha = await context.repos.resolveCommit(owner, repo, base);
  const headSha = await context.repos.resolveCommit(owner, repo, head);
  if (baseSha === undefined || headSha === undefined) return notFound(context);
  const mergeBaseSha = await context.repos.mergeBase(owner, repo, baseSha, headSha);
  if (mergeBaseSha === undefined)
    return githubError(404, `No common ancestor between ${base} and ${head}.`, context.docsUrl);

  const { ahead, behind } = await context.repos.aheadBehind(owner, repo, baseSha, headSha);
  const status: Comparison['status'] =
    ahead > 0 && behind > 0 ? 'diverged' : ahead > 0 ? 'ahead' : behind > 0 ? 'behind' : 'identical';
  const aheadCommits = await context.repos.commitsBetween(owner, repo, baseSha, headSha);
  const repoUrl = `${context.apiUrl}/repos/${owner}/${repo}`;
  const htmlRepoUrl = `${context.apiUrl}/${owner}/${repo}`;
  const url = `${repoUrl}/compare/${basehead}`;
  const paginated = request.query.has('page') || request.query.has('per_page');
  const page = paginated ? paginate(aheadCommits, request.query, url) : undefined;
  const listed = page?.body ?? aheadCommits.slice(0, MAX_UNPAGINATED_COMMITS);
  const commit = (info: CommitInfo): ComparisonCommit => commitObject(context, owner, repo, info);
  const files = await context.repos.changedFiles(owner, repo, mergeBaseSha, headSha);
  const body: Comparison = {
    url,
    html_url: `${htmlRepoUrl}/compare/${basehead}`,
    permalink_url: `${htmlRepoUrl}/compare/${owner}:${baseSha}...${owner}:${headSha}`,
    diff_url: `${htmlRepoUrl}/compare/${basehead}.diff`,
    patch_url: `${htmlRepoUrl}/compare/${basehead}.patch`,
    base_commit: commit(await context.repos.commitInfo(owner, repo, baseSha)),
    merge_base_commit: commit(await context.repos.commitInfo(owner, repo, mergeBaseSha)),
    status,
    ahead_by: ahead,
    behind_by: behind,
    total_commits: ahead,
    commits: listed.map(commit),
    files: files.map((file) => diffEntry(context, owner, repo, headSha, file)),
  };
  return { status: 200, ...(page === undefined ? {} : { headers: page.headers }), body };
};

/** `ref` without an `OWNER:` prefix naming the repository's own owner; undefined for another owner's. */
function ownRef(owner: string, ref: string): string | undefined {
  const colon = ref.indexOf(':');
  if (colon < 0) return ref;
  return ref.slice(0, colon).toLowerCase() === owner.toLowerCase() ? ref.slice(colon + 1) : undefined;
}

function commitObject(context: RouteContext, owner: string, repo: string, info: CommitInfo): ComparisonCommit {
  const repoUrl = `${context.apiUrl}/repos/${owner}/${repo}`;
  const htmlRepoUrl = `${context.apiUrl}/${owner}/${repo}`;
  const repositoryId = context.people.repositoryId(owner, repo);
  return {
    url: `${repoUrl}/commits/${info.sha}`,
    sha: info.sha,
    node_id: Buffer.from(`06:Commit${repositoryId}:${info.sha}`).toString('base64'),
    html_url: `${htmlRepoUrl}/commit/${info.sha}`,
    comments_url: `${repoUrl}/commits/${info.sha}/comments`,
    commit: {
      url: `${repoUrl}/git/commits/${info.sha}`,
      author: { ...info.author },
      committer: { ...info.committer },
      message: info.message,
      tree: { sha: info.tree, url: `${repoUrl}/git/trees/${info.tree}` },
      comment_count: 0,
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    },
    author: null,
    committer: null,
    parents: info.parents.map((sha) => ({
      sha,
      url: `${repoUrl}/commits/${sha}`,
      html_url: `${htmlRepoUrl}/commit/${sha}`,
    })),
  };
}

function diffEntry(context: RouteContext, owner: string, repo: string, headSha: string, file: ChangedFile): DiffEntry {
  const encoded = file.path.split('/').map(encodeURIComponent).join('/');
  const htmlRepoUrl = `${context.apiUrl}/${owner}/${repo}`;
  return {
    sha: file.sha,
    filename: file.path,
    status: file.status,
    additions: file.additions,
    deletions: file.deletions,
    changes: file.additions + file.deletions,
    blob_url: `${htmlRepoUrl}/blob/${headSha}/${encoded}`,
    raw_url: `${htmlRepoUrl}/raw/${headSha}/${encoded}`,
    contents_url: `${context.apiUrl}/repos/${owner}/${repo}/contents/${encoded}?ref=${headSha}`,
  };
}
