import { paginate } from './pagination.js';
import { githubError, notFound, type RouteContext, type RouteHandler, type RouteResponse } from './route-types.js';
import { standInUser } from './stand-in-user.js';
import { COMMIT_STATES, MAX_STATUSES_PER_CONTEXT, type CommitStatus, type CommitState } from './status-store.js';

const MAX_DESCRIPTION = 140;

/**
 * `POST /repos/{owner}/{repo}/statuses/{sha}` (repos/create-commit-status), with GitHub's
 * rules: the sha must name a commit of the repository (422), `state` must be one of
 * {@link COMMIT_STATES} (422), a description has at most 140 characters (422) and a sha and
 * context take at most 1,000 statuses (422). `context` defaults to "default".
 */
export const createCommitStatus: RouteHandler = async (request, context) => {
  const { owner = '', repo = '', sha = '' } = request.params;
  if (!(await context.repos.exists(owner, repo))) return notFound(context);
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
    string,
    unknown
  >;
  const invalid = invalidField(body);
  if (invalid !== undefined) return githubError(422, `Invalid request.\n\n${invalid}`, context.docsUrl);

  const commit = await context.repos.resolveCommit(owner, repo, sha);
  if (commit === undefined) return githubError(422, `No commit found for SHA: ${sha}`, context.docsUrl);
  const description = (body.description as string | null | undefined) ?? null;
  const statusContext = (body.context as string | undefined) ?? 'default';
  if (description !== null && description.length > MAX_DESCRIPTION) {
    return validationFailed(
      context,
      'description',
      `description is too long (maximum is ${MAX_DESCRIPTION} characters)`,
    );
  }
  if (context.statuses.listForContext(owner, repo, commit, statusContext).length >= MAX_STATUSES_PER_CONTEXT) {
    return validationFailed(context, undefined, 'This SHA and context has reached the maximum number of statuses.');
  }

  const id = context.statuses.allocateId();
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const status: CommitStatus = {
    url: `${context.apiUrl}/repos/${owner}/${repo}/statuses/${commit}`,
    avatar_url: standInUser(context.apiUrl).avatar_url,
    id,
    node_id: Buffer.from(`04:StatusContext${id}`).toString('base64'),
    state: body.state as CommitState,
    description,
    target_url: (body.target_url as string | null | undefined) ?? null,
    context: statusContext,
    created_at: now,
    updated_at: now,
    creator: standInUser(context.apiUrl),
  };
  context.statuses.add(owner, repo, commit, status);
  return { status: 201, headers: { location: status.url }, body: status };
};

/**
 * `GET /repos/{owner}/{repo}/commits/{ref}/statuses` (repos/list-commit-statuses-for-ref):
 * the statuses of the commit `ref` names, newest first, paginated by `per_page` (default 30,
 * at most 100) and `page`, with a `Link` header as GitHub sends. An unknown ref answers 404.
 */
export const listCommitStatusesForRef: RouteHandler = async (request, context) => {
  const { owner = '', repo = '', ref = '' } = request.params;
  if (!(await context.repos.exists(owner, repo))) return notFound(context);
  const commit = await context.repos.resolveCommit(owner, repo, ref);
  if (commit === undefined) return githubError(404, `No commit found for SHA: ${ref}`, context.docsUrl);
  const all = [...context.statuses.list(owner, repo, commit)].reverse();
  const base = `${context.apiUrl}/repos/${owner}/${repo}/commits/${encodeURIComponent(ref)}/statuses`;
  return { status: 200, ...paginate(all, request.query, base) };
};

/** The first field of a create-status body whose JSON type GitHub's validation rejects. */
function invalidField(body: Record<string, unknown>): string | undefined {
  if (body.state === undefined) return '"state" wasn\'t supplied.';
  if (typeof body.state !== 'string' || !(COMMIT_STATES as readonly string[]).includes(body.state)) {
    return `For 'properties/state', ${JSON.stringify(body.state)} is not a member of ${JSON.stringify(COMMIT_STATES)}.`;
  }
  for (const field of ['target_url', 'description']) {
    const value = body[field];
    if (value !== undefined && value !== null && typeof value !== 'string') {
      return `For 'properties/${field}', ${JSON.stringify(value)} is not a string or null.`;
    }
  }
  if (body.context !== undefined && typeof body.context !== 'string') {
    return `For 'properties/context', ${JSON.stringify(body.context)} is not a string.`;
  }
  return undefined;
}

function validationFailed(context: RouteContext, field: string | undefined, message: string): RouteResponse {
  const error = { resource: 'Status', code: 'custom', ...(field === undefined ? {} : { field }), message };
  return githubError(422, 'Validation Failed', context.docsUrl, { errors: [error] });
}
