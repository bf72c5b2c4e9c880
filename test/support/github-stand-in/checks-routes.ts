import type { StoredCheckRun } from './check-store.js';
import { githubError, notFound, type RouteContext, type RouteHandler, type RouteResponse } from './route-types.js';

type Body = Record<string, unknown>;

const LIMITS = { annotations: 50, actions: 3, label: 20, description: 40, identifier: 20, summary: 65_535, title: 255 };

/**
 * `POST /repos/{owner}/{repo}/check-runs` (checks/create), with GitHub's rules: only a GitHub
 * App's installation token may create check runs (403 otherwise); a `conclusion` (or
 * `completed_at`) makes the run completed, and `status: completed` needs a conclusion; at
 * most 50 annotations and 3 actions per request, with GitHub's length limits (422). The run
 * joins its installation's suite on the commit, which the stand-in makes on first use.
 */
export const createCheckRun: RouteHandler = async (request, context) => {
  const { owner = '', repo = '' } = request.params;
  if (!(await context.repos.exists(owner, repo))) return notFound(context);
  const installationId = installationOf(request.headers.authorization, context);
  if (installationId === undefined) return githubError(403, 'You must authenticate via a GitHub App.', context.docsUrl);
  const body = (request.body ?? {}) as Body;
  const sha = await context.repos.resolveCommit(owner, repo, String(body.head_sha ?? ''));
  if (sha === undefined || sha !== body.head_sha)
    return githubError(422, 'No commit found for SHA: ' + String(body.head_sha), context.docsUrl);
  const invalid = invalidFields(body);
  if (invalid) return githubError(422, `Invalid request.\n\n${invalid}`, context.docsUrl);
  const run: StoredCheckRun = {
    id: context.checks.allocateId(),
    owner,
    repo,
    head_sha: sha,
    name: String(body.name),
    external_id: String(body.external_id ?? ''),
    details_url: (body.details_url as string | undefined) ?? null,
    status: 'queued',
    conclusion: null,
    started_at: null,
    completed_at: null,
    output: { title: null, summary: null, text: null },
    annotations: [],
    actions: [],
    suiteId: context.checks.suiteFor(owner, repo, sha, installationId),
    installationId,
    history: [],
    requests: 0,
  };
  apply(run, body);
  context.checks.add(run);
  return { status: 201, body: view(run, context) };
};

/** `PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}` (checks/update): the same rules; annotations add up. */
export const updateCheckRun: RouteHandler = async (request, context) => {
  const { owner = '', repo = '', check_run_id: id = '' } = request.params;
  const installationId = installationOf(request.headers.authorization, context);
  if (installationId === undefined) return githubError(403, 'You must authenticate via a GitHub App.', context.docsUrl);
  const run = context.checks.get(owner, repo, Number(id));
  if (!run) return notFound(context);
  if (run.installationId !== installationId)
    return githubError(403, 'Resource not accessible by integration', context.docsUrl);
  const body = (request.body ?? {}) as Body;
  const invalid = invalidFields(body);
  if (invalid) return githubError(422, `Invalid request.\n\n${invalid}`, context.docsUrl);
  apply(run, body);
  return { status: 200, body: view(run, context) };
};

/** `GET /repos/{owner}/{repo}/check-runs/{check_run_id}` (checks/get). */
export const getCheckRun: RouteHandler = async (request, context) => {
  const { owner = '', repo = '', check_run_id: id = '' } = request.params;
  const run = context.checks.get(owner, repo, Number(id));
  return run ? { status: 200, body: view(run, context) } : notFound(context);
};

/** `GET /repos/{owner}/{repo}/commits/{ref}/check-runs` (checks/list-for-ref), by full sha. */
export const listCheckRunsForRef: RouteHandler = async (request, context): Promise<RouteResponse> => {
  const { owner = '', repo = '', ref = '' } = request.params;
  if (!(await context.repos.exists(owner, repo))) return notFound(context);
  const sha = (await context.repos.resolveCommit(owner, repo, ref)) ?? ref;
  const runs = context.checks.list(owner, repo, sha).filter((r) => {
    const name = request.query.get('check_name');
    return name === null || r.name === name;
  });
  return { status: 200, body: { total_count: runs.length, check_runs: runs.map((r) => view(r, context)) } };
};

function installationOf(header: string | string[] | undefined, context: RouteContext): number | undefined {
  const token = /^(?:token|bearer)\s+(\S+)$/i.exec(String(header ?? ''))?.[1];
  return token ? context.apps.installationOf(token, Date.now()) : undefined;
}

function invalidFields(body: Body): string | undefined {
  const output = body.output as { title?: string; summary?: string; annotations?: unknown[] } | undefined;
  const actions = (body.actions as Array<{ label: string; description: string; identifier: string }> | undefined) ?? [];
  if (body.status === 'completed' && body.conclusion === undefined)
    return '"conclusion" is required when status is completed.';
  if ((output?.annotations?.length ?? 0) > LIMITS.annotations) return 'Only 50 annotations are allowed per request.';
  if ((output?.summary?.length ?? 0) > LIMITS.summary) return 'Summary is too long (maximum is 65535 characters).';
  if ((output?.title?.length ?? 0) > LIMITS.title) return 'Title is too long.';
  if (actions.length > LIMITS.actions) return 'Only 3 actions are allowed.';
  for (const a of actions) {
    if (a.label.length > LIMITS.label) return `Label "${a.label}" is too long (maximum is 20 characters).`;
    if (a.description.length > LIMITS.description)
      return `Description "${a.description}" is too long (maximum is 40 characters).`;
    if (a.identifier.length > LIMITS.identifier)
      return `Identifier "${a.identifier}" is too long (maximum is 20 characters).`;
  }
  return undefined;
}

function apply(run: StoredCheckRun, body: Body): void {
  run.requests += 1;
  if (typeof body.name === 'string') run.name = body.name;
  if (typeof body.details_url === 'string') run.details_url = body.details_url;
  if (typeof body.external_id === 'string') run.external_id = body.external_id;
  if (typeof body.started_at === 'string') run.started_at = body.started_at;
  if (typeof body.status === 'string') run.status = body.status as StoredCheckRun['status'];
  if (typeof body.conclusion === 'string' || typeof body.completed_at === 'string') {
    run.status = 'completed';
    run.conclusion = (body.conclusion as string | undefined) ?? run.conclusion;
    run.completed_at = (body.completed_at as string | undefined) ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  } else if (run.status !== 'completed') {
    run.conclusion = null;
    run.completed_at = null;
  }
  if (run.status === 'in_progress' && run.started_at === null)
    run.started_at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const output = body.output as { title?: string; summary?: string; text?: string; annotations?: Body[] } | undefined;
  if (output) {
    run.output = {
      title: output.title ?? run.output.title,
      summary: output.summary ?? run.output.summary,
      text: output.text ?? run.output.text,
    };
    run.annotations.push(...(output.annotations ?? []));
  }
  if (Array.isArray(body.actions)) run.actions = body.actions as StoredCheckRun['actions'];
  const step = run.status === 'completed' ? `completed/${run.conclusion}` : run.status;
  if (run.history.at(-1) !== step) run.history.push(step);
}

function view(run: StoredCheckRun, context: RouteContext): Record<string, unknown> {
  const url = `${context.apiUrl}/repos/${run.owner}/${run.repo}/check-runs/${run.id}`;
  return {
    id: run.id,
    head_sha: run.head_sha,
    node_id: Buffer.from(`012:CheckRun${run.id}`).toString('base64'),
    external_id: run.external_id,
    url,
    html_url: `${context.apiUrl}/${run.owner}/${run.repo}/runs/${run.id}`,
    details_url: run.details_url,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.started_at,
    completed_at: run.completed_at,
    output: { ...run.output, annotations_count: run.annotations.length, annotations_url: `${url}/annotations` },
    name: run.name,
    check_suite: { id: run.suiteId },
    app: null,
    pull_requests: [],
  };
}
