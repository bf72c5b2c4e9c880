import {
  DEPLOYMENT_STATES,
  type Deployment,
  type DeploymentState,
  type DeploymentStatus,
  type StoredDeployment,
} from './deployment-store.js';
import { paginate } from './pagination.js';
import { githubError, notFound, type RouteContext, type RouteHandler } from './route-types.js';
import { standInUser } from './stand-in-user.js';

const MAX_DESCRIPTION = 140;

type Body = Record<string, unknown>;

/**
 * `POST /repos/{owner}/{repo}/deployments` (repos/create-deployment), with GitHub's rules:
 * `ref` (a branch, tag or sha) must name a commit of the repository, else 422 "No ref found
 * for: REF". Before creating, GitHub checks commit statuses on that commit: every context in
 * `required_contexts`, or, when the field is left out, every context posted to the commit;
 * an empty array skips the check. A context whose latest status is not `success` (or that
 * has none) answers 409 "Conflict: Commit status checks failed for REF." with the checked
 * contexts and their states in `errors`. Defaults: task "deploy", environment "production",
 * auto_merge true (recorded only; the stand-in never merges, so never answers 202),
 * transient_environment false, production_environment true only for "production". A JSON
 * string `payload` is stored as the object it encodes, as GitHub does; none gives `{}`.
 */
export const createDeployment: RouteHandler = async (request, context) => {
  const { owner = '', repo = '' } = request.params;
  if (!(await context.repos.exists(owner, repo))) return notFound(context);
  const body = asBody(request.body);
  const invalid = invalidDeploymentField(body);
  if (invalid !== undefined) return githubError(422, `Invalid request.\n\n${invalid}`, context.docsUrl);

  const ref = body.ref as string;
  const sha = await context.repos.resolveCommit(owner, repo, ref);
  if (sha === undefined) return githubError(422, `No ref found for: ${ref}`, context.docsUrl);
  const requiredContexts = (body.required_contexts as string[] | undefined) ?? null;
  const checked = contextStates(context, owner, repo, sha, requiredContexts);
  if (checked.some((c) => c.state !== 'success')) {
    return githubError(409, `Conflict: Commit status checks failed for ${ref}.`, context.docsUrl, {
      errors: [{ contexts: checked, resource: 'Deployment', field: 'required_contexts', code: 'invalid' }],
    });
  }

  const id = context.deployments.allocateDeploymentId();
  const now = timestamp();
  const repositoryUrl = `${context.apiUrl}/repos/${owner}/${repo}`;
  const url = `${repositoryUrl}/deployments/${id}`;
  const environment = (body.environment as string | undefined) ?? 'production';
  const deployment: Deployment = {
    url,
    id,
    node_id: Buffer.from(`010:Deployment${id}`).toString('base64'),
    sha,
    ref,
    task: (body.task as string | undefined) ?? 'deploy',
    payload: normalizePayload(body.payload),
    original_environment: environment,
    environment,
    description: (body.description as string | null | undefined) ?? null,
    creator: standInUser(context.apiUrl),
    created_at: now,
    updated_at: now,
    statuses_url: `${url}/statuses`,
    repository_url: repositoryUrl,
    transient_environment: (body.transient_environment as boolean | undefined) ?? false,
    production_environment: (body.production_environment as boolean | undefined) ?? environment === 'production',
  };
  context.deployments.add(owner, repo, {
    deployment,
    auto_merge: (body.auto_merge as boolean | undefined) ?? true,
    required_contexts: requiredContexts === null ? null : [...requiredContexts],
    statuses: [],
  });
  return { status: 201, headers: { location: url }, body: deployment };
};

/**
 * `GET /repos/{owner}/{repo}/deployments` (repos/list-deployments): newest first, filtered
 * by `sha`, `ref` (as the deployment was created with), `task` and `environment` when given,
 * paginated like every GitHub list.
 */
export const listDeployments: RouteHandler = async (request, context) => {
  const { owner = '', repo = '' } = request.params;
  if (!(await context.repos.exists(owner, repo))) return notFound(context);
  const filters = new URLSearchParams();
  for (const name of ['sha', 'ref', 'task', 'environment']) {
    const value = request.query.get(name);
    if (value !== null) filters.set(name, value);
  }
  const sha = filters.get('sha')?.toLowerCase();
  const ref = filters.get('ref');
  const task = filters.get('task');
  const environment = filters.get('environment');
  const all = context.deployments
    .list(owner, repo)
    .map((d) => d.deployment)
    .filter(
      (d) =>
        (sha === undefined || d.sha.toLowerCase() === sha) &&
        (ref === null || d.ref === ref) &&
        (task === null || d.task === task) &&
        (environment === null || d.environment === environment),
    )
    .reverse();
  const query = filters.toString();
  const base = `${context.apiUrl}/repos/${owner}/${repo}/deployments${query === '' ? '' : `?${query}`}`;
  return { status: 200, ...paginate(all, request.query, base) };
};

/**
 * `POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses`
 * (repos/create-deployment-status): 404 for a deployment the repository does not have; 422
 * for a `state` outside {@link DEPLOYMENT_STATES} or a description over 140 characters.
 * `log_url` wins over the legacy `target_url` and both come back with the same value ("" when
 * neither was sent). `environment` defaults to the previous status's, else the deployment's;
 * a different one moves the deployment there (its `original_environment` stays). A `success`
 * status, unless `auto_inactive` is false, adds an `inactive` status to every earlier
 * non-transient, non-production deployment of the same environment whose latest state is
 * `success`, as GitHub documents.
 */
export const createDeploymentStatus: RouteHandler = async (request, context) => {
  const { owner = '', repo = '' } = request.params;
  const stored = await findDeployment(request.params, context);
  if (stored === undefined) return notFound(context);
  const body = asBody(request.body);
  const invalid = invalidStatusField(body);
  if (invalid !== undefined) return githubError(422, `Invalid request.\n\n${invalid}`, context.docsUrl);
  const description = (body.description as string | undefined) ?? '';
  if (description.length > MAX_DESCRIPTION) {
    const error = {
      resource: 'DeploymentStatus',
      code: 'custom',
      field: 'description',
      message: `description is too long (maximum is ${MAX_DESCRIPTION} characters)`,
    };
    return githubError(422, 'Validation Failed', context.docsUrl, { errors: [error] });
  }

  const now = timestamp();
  const environment =
    (body.environment as string | undefined) ?? stored.statuses.at(-1)?.environment ?? stored.deployment.environment;
  stored.deployment = { ...stored.deployment, environment, updated_at: now };
  const logUrl = (body.log_url as string | undefined) ?? (body.target_url as string | undefined) ?? '';
  const state = body.state as DeploymentState;
  const status = addStatus(context, stored, {
    state,
    description,
    environment,
    environment_url: (body.environment_url as string | undefined) ?? '',
    log_url: logUrl,
    now,
  });
  if (state === 'success' && body.auto_inactive !== false) {
    for (const earlier of context.deployments.list(owner, repo)) {
      const d = earlier.deployment;
      if (d.id >= stored.deployment.id || d.environment !== environment) continue;
      if (d.transient_environment === true || d.production_environment === true) continue;
      if (earlier.statuses.at(-1)?.state !== 'success') continue;
      earlier.deployment = { ...d, updated_at: now };
      addStatus(context, earlier, {
        state: 'inactive',
        description: '',
        environment,
        environment_url: '',
        log_url: '',
        now,
      });
    }
  }
  return { status: 201, headers: { location: status.url }, body: status };
};

/**
 * `GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses`
 * (repos/list-deployment-statuses): the deployment's statuses newest first, paginated; 404
 * for a deployment the repository does not have.
 */
export const listDeploymentStatuses: RouteHandler = async (request, context) => {
  const stored = await findDeployment(request.params, context);
  if (stored === undefined) return notFound(context);
  const all = [...stored.statuses].reverse();
  return { status: 200, ...paginate(all, request.query, stored.deployment.statuses_url) };
};

interface NewStatus {
  state: DeploymentState;
  description: string;
  environment: string;
  environment_url: string;
  log_url: string;
  now: string;
}

function addStatus(context: RouteContext, stored: StoredDeployment, fields: NewStatus): DeploymentStatus {
  const id = context.deployments.allocateStatusId();
  const status: DeploymentStatus = {
    url: `${stored.deployment.url}/statuses/${id}`,
    id,
    node_id: Buffer.from(`016:DeploymentStatus${id}`).toString('base64'),
    state: fields.state,
    creator: standInUser(context.apiUrl),
    description: fields.description,
    environment: fields.environment,
    target_url: fields.log_url,
    created_at: fields.now,
    updated_at: fields.now,
    deployment_url: stored.deployment.url,
    repository_url: stored.deployment.repository_url,
    environment_url: fields.environment_url,
    log_url: fields.log_url,
  };
  stored.statuses.push(status);
  return status;
}

async function findDeployment(
  params: Record<string, string>,
  context: RouteContext,
): Promise<StoredDeployment | undefined> {
  const { owner = '', repo = '', deployment_id: rawId = '' } = params;
  if (!(await context.repos.exists(owner, repo))) return undefined;
  if (!/^\d+$/.test(rawId)) return undefined;
  return context.deployments.get(owner, repo, Number(rawId));
}

/**
 * The contexts GitHub checks before deploying `sha`, with the state of each one's latest
 * status ("missing" when it has none): `required` ones, or every context posted when null.
 */
function contextStates(
  context: RouteContext,
  owner: string,
  repo: string,
  sha: string,
  required: string[] | null,
): Array<{ context: string; state: string }> {
  const names = required ?? [
    ...new Map(context.statuses.list(owner, repo, sha).map((s) => [s.context.toLowerCase(), s.context])).values(),
  ];
  return names.map((name) => ({
    context: name,
    state: context.statuses.listForContext(owner, repo, sha, name).at(-1)?.state ?? 'missing',
  }));
}

/** What GitHub stores for `payload`: an object, a JSON text decoded when it holds one, `{}` for none. */
function normalizePayload(value: unknown): Deployment['payload'] {
  if (value === undefined || value === '') return {};
  if (typeof value !== 'string') return value as Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Not JSON: kept as the text it is.
  }
  return value;
}

/** The first field of a create-deployment body whose JSON type GitHub's validation rejects. */
function invalidDeploymentField(body: Body): string | undefined {
  if (body.ref === undefined) return '"ref" wasn\'t supplied.';
  const payload = body.payload;
  if (payload !== undefined && typeof payload !== 'string' && !isObject(payload)) {
    return `For 'properties/payload', ${JSON.stringify(payload)} is not an object or string.`;
  }
  const required = body.required_contexts;
  if (required !== undefined) {
    if (!Array.isArray(required))
      return `For 'properties/required_contexts', ${JSON.stringify(required)} is not an array.`;
    const item: unknown = required.find((c: unknown) => typeof c !== 'string');
    if (item !== undefined) return `For 'items', ${JSON.stringify(item)} is not a string.`;
  }
  return (
    typeProblem(body, ['ref', 'task', 'environment'], 'string') ??
    typeProblem(body, ['description'], 'string', true) ??
    typeProblem(body, ['auto_merge', 'transient_environment', 'production_environment'], 'boolean')
  );
}

/** The first field of a create-deployment-status body whose JSON type GitHub's validation rejects. */
function invalidStatusField(body: Body): string | undefined {
  if (body.state === undefined) return '"state" wasn\'t supplied.';
  if (typeof body.state !== 'string' || !(DEPLOYMENT_STATES as readonly string[]).includes(body.state)) {
    return (
      `For 'properties/state', ${JSON.stringify(body.state)} ` +
      `is not a member of ${JSON.stringify(DEPLOYMENT_STATES)}.`
    );
  }
  return (
    typeProblem(body, ['target_url', 'log_url', 'description', 'environment', 'environment_url'], 'string') ??
    typeProblem(body, ['auto_inactive'], 'boolean')
  );
}

function typeProblem(body: Body, fields: string[], type: 'string' | 'boolean', nullable = false): string | undefined {
  for (const field of fields) {
    const value = body[field];
    if (value === undefined || typeof value === type || (nullable && value === null)) continue;
    return `For 'properties/${field}', ${JSON.stringify(value)} is not a ${type}${nullable ? ' or null' : ''}.`;
  }
  return undefined;
}

function asBody(body: unknown): Body {
  return isObject(body) ? body : {};
}

function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
