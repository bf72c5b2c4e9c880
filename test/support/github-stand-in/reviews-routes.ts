import { paginate } from './pagination.js';
import { notFound, type RouteHandler } from './route-types.js';
import { simpleUser } from './stand-in-user.js';

/**
 * `GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews` (pulls/list-reviews): the reviews
 * tests submitted (`GitHubStandIn.review`), oldest first as GitHub lists them, each with the
 * head (`commit_id`) it was made on; paginated. 404 for a pull request not registered.
 */
export const listReviews: RouteHandler = async (request, context) => {
  const { owner = '', repo = '', pull_number: raw = '' } = request.params;
  if (!(await context.repos.exists(owner, repo)) || !/^\d+$/.test(raw)) return notFound(context);
  const number = Number(raw);
  if (context.people.pullRequest(owner, repo, number) === undefined) return notFound(context);
  const pullUrl = `${context.apiUrl}/repos/${owner}/${repo}/pulls/${number}`;
  const htmlUrl = `${context.apiUrl}/${owner}/${repo}/pull/${number}`;
  const all = context.reviews.reviewsOf(owner, repo, number).map((r) => {
    const account = context.people.account(r.user);
    const role = context.people.role(owner, repo, r.user);
    return {
      id: r.id,
      node_id: Buffer.from(`017:PullRequestReview${r.id}`).toString('base64'),
      user: simpleUser(context.apiUrl, account.login, account.id),
      body: r.body,
      state: r.state,
      html_url: `${htmlUrl}#pullrequestreview-${r.id}`,
      pull_request_url: pullUrl,
      _links: { html: { href: `${htmlUrl}#pullrequestreview-${r.id}` }, pull_request: { href: pullUrl } },
      submitted_at: r.submitted_at,
      commit_id: r.commit_id,
      author_association: role === undefined ? 'NONE' : 'COLLABORATOR',
    };
  });
  return { status: 200, ...paginate(all, request.query, `${pullUrl}/reviews`) };
};
