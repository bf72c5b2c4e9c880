import { githubError, notFound, type RouteHandler } from './route-types.js';

/**
 * `GET /repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks`
 * (repos/get-status-checks-protection): the contexts a test required (`GitHubStandIn.protect`),
 * also as `checks` with no app; 404 "Required status checks not enabled" for a branch
 * without them, as GitHub answers.
 */
export const getStatusChecksProtection: RouteHandler = async (request, context) => {
  const { owner = '', repo = '', branch = '' } = request.params;
  if (!(await context.repos.exists(owner, repo))) return notFound(context);
  const protection = context.reviews.protectionOf(owner, repo, branch);
  if (protection === undefined) return githubError(404, 'Required status checks not enabled', context.docsUrl);
  const url = `${context.apiUrl}/repos/${owner}/${repo}/branches/${branch}/protection/required_status_checks`;
  return {
    status: 200,
    body: {
      url,
      strict: protection.strict,
      contexts: protection.contexts,
      checks: protection.contexts.map((c) => ({ context: c, app_id: null })),
      contexts_url: `${url}/contexts`,
    },
  };
};
