import { GitError, runGit } from './git.js';
import { githubError, notFound, type RouteContext, type RouteHandler, type RouteResponse } from './route-types.js';

/**
 * `GET /repos/{owner}/{repo}/git/ref/{ref}` (git/get-ref): `ref` is `heads/<branch>` or
 * `tags/<tag>`; 404 for one that does not exist.
 */
export const getRef: RouteHandler = async (request, context) => {
  const { owner = '', repo = '', ref = '' } = request.params;
  if (!(await context.repos.exists(owner, repo))) return notFound(context);
  const sha = await refSha(context, owner, repo, ref);
  if (sha === undefined) return notFound(context);
  return { status: 200, body: refObject(context, owner, repo, ref, sha) };
};

/**
 * `PATCH /repos/{owner}/{repo}/git/refs/{ref}` (git/update-ref) as GitHub does it: without
 * `force` (or `force: false`) the new sha must descend from the ref's current commit, else
 * 422 "Update is not a fast forward"; an unknown sha is 422 too. When a branch moves, every
 * open pull request into it whose head is now in the branch is marked merged (by the caller's
 * account, the stand-in's user), as GitHub does.
 */
export const updateRef: RouteHandler = async (request, context) => {
  const { owner = '', repo = '', ref = '' } = request.params;
  if (!(await context.repos.exists(owner, repo))) return notFound(context);
  const body = (request.body ?? {}) as { sha?: unknown; force?: unknown };
  const old = await refSha(context, owner, repo, ref);
  if (old === undefined) return githubError(422, 'Reference does not exist', context.docsUrl);
  const sha = typeof body.sha === 'string' ? await context.repos.resolveCommit(owner, repo, body.sha) : undefined;
  if (sha === undefined || sha !== body.sha) return githubError(422, 'Object does not exist', context.docsUrl);
  if (body.force !== true && !(await isAncestor(context, owner, repo, old, sha)))
    return githubError(422, 'Update is not a fast forward', context.docsUrl);
  const moved = await moveRef(context, owner, repo, ref, sha, old);
  if (moved !== undefined) return moved;
  if (ref.startsWith('heads/')) await markMerged(context, owner, repo, ref.slice('heads/'.length));
  return { status: 200, body: refObject(context, owner, repo, ref, sha) };
};

/**
 * `POST /repos/{owner}/{repo}/git/refs` (git/create-ref): `ref` must be a full `refs/…`
 * name that does not exist yet (422 "Reference already exists") and `sha` a commit.
 */
export const createRef: RouteHandler = async (request, context) => {
  const { owner = '', repo = '' } = request.params;
  if (!(await context.repos.exists(owner, repo))) return notFound(context);
  const body = (request.body ?? {}) as { ref?: unknown; sha?: unknown };
  if (typeof body.ref !== 'string' || !/^refs\/[^/]+\/.+/.test(body.ref))
    return githubError(422, 'Reference name must start with refs/ and have at least two slashes.', context.docsUrl);
  const ref = body.ref.slice('refs/'.length);
  if ((await refSha(context, owner, repo, ref)) !== undefined)
    return githubError(422, 'Reference already exists', context.docsUrl);
  const sha = typeof body.sha === 'string' ? await context.repos.resolveCommit(owner, repo, body.sha) : undefined;
  if (sha === undefined || sha !== body.sha) return githubError(422, 'Object does not exist', context.docsUrl);
  const moved = await moveRef(context, owner, repo, ref, sha, '0'.repeat(40));
  if (moved !== undefined) return moved;
  const object = refObject(context, owner, repo, ref, sha);
  return { status: 201, headers: { location: object.url }, body: object };
};

async function refSha(context: RouteContext, owner: string, repo: string, ref: string): Promise<string | undefined> {
  if (!/^(heads|tags)\/[^\s\0]+$/.test(ref) || ref.includes('..')) return undefined;
  try {
    const out = await runGit([
      '--git-dir',
      context.repos.repoDir(owner, repo),
      'rev-parse',
      '--verify',
      '--quiet',
      `refs/${ref}`,
    ]);
    return out.toString('utf8').trim();
  } catch (error) {
    if (error instanceof GitError) return undefined;
    throw error;
  }
}

async function isAncestor(
  context: RouteContext,
  owner: string,
  repo: string,
  old: string,
  sha: string,
): Promise<boolean> {
  try {
    await runGit(['--git-dir', context.repos.repoDir(owner, repo), 'merge-base', '--is-ancestor', old, sha]);
    return true;
  } catch (error) {
    // Exit 1: not an ancestor; 128: a commit the repository does not have (a fork's head).
    if (error instanceof GitError) return false;
    throw error;
  }
}

/** Moves `refs/<ref>` from `old` to `sha` atomically; a 422 when it moved meanwhile. */
async function moveRef(
  context: RouteContext,
  owner: string,
  repo: string,
  ref: string,
  sha: string,
  old: string,
): Promise<RouteResponse | undefined> {
  try {
    await runGit(['--git-dir', context.repos.repoDir(owner, repo), 'update-ref', `refs/${ref}`, sha, old]);
    return undefined;
  } catch (error) {
    if (error instanceof GitError) return githubError(422, 'Reference cannot be updated', context.docsUrl);
    throw error;
  }
}

/** Open pull requests into `branch` whose head is now in it become merged. */
async function markMerged(context: RouteContext, owner: string, repo: string, branch: string): Promise<void> {
  const tip = await context.repos.resolveCommit(owner, repo, branch);
  if (tip === undefined) return;
  for (const pr of context.people.pullRequests(owner, repo)) {
    if (pr.state !== 'open' || pr.baseRef !== branch) continue;
    if (await isAncestor(context, owner, repo, pr.headSha, tip))
      context.people.mergePullRequest(owner, repo, pr.number);
  }
}

function refObject(context: RouteContext, owner: string, repo: string, ref: string, sha: string) {
  const repoUrl = `${context.apiUrl}/repos/${owner}/${repo}`;
  return {
    ref: `refs/${ref}`,
    node_id: Buffer.from(`04:Ref${owner}/${repo}:refs/${ref}`).toString('base64'),
    url: `${repoUrl}/git/refs/${ref}`,
    object: { type: 'commit', sha, url: `${repoUrl}/git/commits/${sha}` },
  };
}
