import { paginate } from './pagination.js';
import { githubError, notFound, type RouteContext, type RouteHandler } from './route-types.js';
import type { StoredComment } from './review-store.js';
import { simpleUser, STAND_IN_LOGIN } from './stand-in-user.js';

/**
 * `POST /repos/{owner}/{repo}/issues/{issue_number}/comments` (issues/create-comment): a
 * comment by the stand-in's user on a registered pull request (the stand-in has no other
 * issues: 404); `body` must be a non-empty string (422).
 */
export const createIssueComment: RouteHandler = async (request, context) => {
  const { owner = '', repo = '', issue_number: raw = '' } = request.params;
  if (!(await context.repos.exists(owner, repo)) || !/^\d+$/.test(raw)) return notFound(context);
  const issue = Number(raw);
  if (context.people.pullRequest(owner, repo, issue) === undefined) return notFound(context);
  const body = (request.body ?? {}) as { body?: unknown };
  if (typeof body.body !== 'string' || body.body === '')
    return githubError(422, 'Validation Failed', context.docsUrl, {
      errors: [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }],
    });
  const stored = context.reviews.addComment({ owner, repo, issue, user: STAND_IN_LOGIN, body: body.body });
  const comment = commentObject(context, stored);
  return { status: 201, headers: { location: comment.url }, body: comment };
};

/** `GET /repos/{owner}/{repo}/issues/{issue_number}/comments` (issues/list-comments), oldest first, paginated. */
export const listIssueComments: RouteHandler = async (request, context) => {
  const { owner = '', repo = '', issue_number: raw = '' } = request.params;
  if (!(await context.repos.exists(owner, repo)) || !/^\d+$/.test(raw)) return notFound(context);
  const issue = Number(raw);
  if (context.people.pullRequest(owner, repo, issue) === undefined) return notFound(context);
  const all = context.reviews.commentsOn(owner, repo, issue).map((c) => commentObject(context, c));
  return {
    status: 200,
    ...paginate(all, request.query, `${context.apiUrl}/repos/${owner}/${repo}/issues/${issue}/comments`),
  };
};

function commentObject(context: RouteContext, c: StoredComment) {
  const account = context.people.account(c.user);
  const issueUrl = `${context.apiUrl}/repos/${c.owner}/${c.repo}/issues/${c.issue}`;
  return {
    id: c.id,
    node_id: Buffer.from(`012:IssueComment${c.id}`).toString('base64'),
    url: `${context.apiUrl}/repos/${c.owner}/${c.repo}/issues/comments/${c.id}`,
    body: c.body,
    html_url: `${context.apiUrl}/${c.owner}/${c.repo}/pull/${c.issue}#issuecomment-${c.id}`,
    user: simpleUser(context.apiUrl, account.login, account.id),
    created_at: c.created_at,
    updated_at: c.created_at,
    issue_url: issueUrl,
    author_association: 'NONE' as const,
  };
}
