import type { RestEndpointMethodTypes } from '@octokit/rest';
import { notFound, type RouteHandler } from './route-types.js';

type GitRef = RestEndpointMethodTypes['git']['getRef']['response']['data'];

/**
 * `GET /repos/{owner}/{repo}/git/ref/{ref}` (git/get-ref): `ref` is `heads/BRANCH` or
 * `tags/TAG`, resolved with git in the bare repository; 404 for anything else or a ref that
 * does not exist, as GitHub answers.
 */
export const getRef: RouteHandler = async (request, context) => {
  const { owner = '', repo = '', ref = '' } = request.params;
  if (!(await context.repos.exists(owner, repo))) return notFound(context);
  if (!/^(heads|tags)\/[^\s]+$/.test(ref)) return notFound(context);
  const sha = await context.repos.resolveCommit(owner, repo, `refs/${ref}`);
  if (sha === undefined) return notFound(context);
  const repoUrl = `${context.apiUrl}/repos/${owner}/${repo}`;
  const body: GitRef = {
    ref: `refs/${ref}`,
    node_id: Buffer.from(`04:Ref${owner}/${repo}:refs/${ref}`).toString('base64'),
    url: `${repoUrl}/git/refs/${ref}`,
    object: { type: 'commit', sha, url: `${repoUrl}/git/commits/${sha}` },
  };
  return { status: 200, body };
};
