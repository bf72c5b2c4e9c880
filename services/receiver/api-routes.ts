import { isFinal } from '../core/builds/types.js';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { BuildRecord, StepRecord } from '../core/builds/record.js';
import type { LogLine } from '../core/builds/log-line.js';
import type { BuildStore } from '../shared/ports/build-store.js';
import type { LogStore } from '../shared/ports/log-store.js';
import type { Queues } from '../shared/ports/queues.js';
import type { Stops } from '../shared/ports/stops.js';
import { randomUUID } from 'node:crypto';
import { buildIdFor } from '../core/plan/naming.js';
import { manualRequest, type ManualRun } from '../core/trigger/manual-request.js';
import type { CloneUrlRewrite } from '../core/trigger/map-event.js';
import { safeJobId, type ApprovalJob } from '../shared/queues.js';
import { buildPage, dashboardPage } from './dashboard.js';
import { streamLog } from './live-logs.js';
import { requestJson } from './request-body.js';

export interface ApiDeps {
  builds: BuildStore;
  logs: LogStore;
  stops: Stops;
  queues: Queues;
  /** Bearer token for requests that change something; without one they are refused. */
  apiToken: string;
  gitBaseUrl: string;
  cloneUrlRewrite: CloneUrlRewrite;
}

/** Slipway's API: builds and their logs (what statuses link to), live logs, cancellation. */
export function apiRouter(deps: ApiDeps): Router {
  const { builds: store, logs } = deps;
  const router = new Router();

  router.get('/healthz', (ctx) => {
    ctx.body = { ok: true };
  });

  router.get('/', async (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = dashboardPage(await store.recent(100));
  });

  // JSON for programs; an HTML page for browsers (what a status's target_url opens).
  router.get('/builds/:id', async (ctx) => {
    const build = await store.get(ctx.params.id!);
    if (!build) return notFound(ctx, `no build ${ctx.params.id}`);
    if (ctx.accepts('json', 'html') === 'html') {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = buildPage(build);
    } else ctx.body = withLinks(build);
  });

  router.get('/builds/:id/steps/:step/log', async (ctx) => {
    const { id, step } = ctx.params as { id: string; step: string };
    if (!stepOf(await store.get(id), step)) return notFound(ctx, `no step ${step} in build ${id}`);
    const lines = await logs.read(id, step);
    if (ctx.query.format === 'json') ctx.body = { build: id, step, lines };
    else {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = lines.map(formatLine).join('');
    }
  });

  router.get('/builds/:id/steps/:step/log/stream', async (ctx) => {
    const { id, step } = ctx.params as { id: string; step: string };
    if (!stepOf(await store.get(id), step)) return notFound(ctx, `no step ${step} in build ${id}`);
    await streamLog(ctx, logs, id, step, async () => stepOf(await store.get(id), step)?.state);
  });

  router.post('/builds/:id/cancel', authorized(deps.apiToken), async (ctx) => {
    const id = ctx.params.id!;
    const build = await store.get(id);
    if (!build) return notFound(ctx, `no build ${id}`);
    if (isFinal(build.state)) {
      ctx.status = 409;
      ctx.body = { error: `build ${id} is already over (${build.state})` };
      return;
    }
    await deps.stops.cancel(id, 'cancelled through the API');
    ctx.status = 202;
    ctx.body = { cancelling: id };
  });

  // A manual run (the "pseudo-RPC" trigger): {repo, sha, ref?, params?, user?}.
  router.post('/builds', authorized(deps.apiToken), async (ctx) => {
    const id = `manual-${randomUUID()}`;
    const made = manualRequest(
      id,
      ((await readJson(ctx)) ?? {}) as unknown as ManualRun,
      deps.gitBaseUrl,
      deps.cloneUrlRewrite,
    );
    if (!made.ok) {
      ctx.status = 400;
      ctx.body = { error: made.error };
      return;
    }
    await deps.queues.add('requests', { request: made.request, receivedAt: new Date().toISOString() }, { jobId: id });
    ctx.status = 202;
    ctx.body = { accepted: true, build: buildIdFor(id) };
  });

  // Approve or reject a deploy waiting for approval, on behalf of the GitHub user in the body
  // (`{"user": "octocat"}`): their permission is checked against GitHub like a comment's.
  for (const decision of ['approve', 'reject'] as const) {
    router.post(`/builds/:id/${decision}`, authorized(deps.apiToken), async (ctx) => {
      const id = ctx.params.id!;
      const build = await store.get(id);
      if (!build) return notFound(ctx, `no build ${id}`);
      const user = (await readJson(ctx))?.user;
      if (typeof user !== 'string' || !user) {
        ctx.status = 400;
        ctx.body = { error: 'body must be {"user": "<GitHub login>"}' };
        return;
      }
      const job: ApprovalJob = {
        kind: 'decision',
        owner: build.request.repo.owner,
        repo: build.request.repo.name,
        buildId: id,
        user,
        decision,
        via: 'api',
      };
      await deps.queues.add('approvals', job, {
        jobId: safeJobId(`approval-${id}-${user}-${decision}-${Date.now()}`),
      });
      ctx.status = 202;
      ctx.body = { build: id, decision, by: user };
    });
  }

  return router;
}

/** The request's JSON body; undefined when it is not JSON or larger than an API request ever needs (64 KiB). */
async function readJson(ctx: Context): Promise<Record<string, unknown> | undefined> {
  return requestJson(ctx);
}

/** Requires `Authorization: Bearer <SLIPWAY_API_TOKEN>`. */
function authorized(token: string) {
  return async (ctx: Context, next: Next) => {
    if (!token) {
      ctx.status = 403;
      ctx.body = { error: 'this API is disabled: the operator has not set SLIPWAY_API_TOKEN' };
      return;
    }
    if (ctx.get('authorization') !== `Bearer ${token}`) {
      ctx.status = 401;
      ctx.body = { error: 'missing or wrong bearer token' };
      return;
    }
    await next();
  };
}

function notFound(ctx: Context, error: string): void {
  ctx.status = 404;
  ctx.body = { error };
}

function stepOf(build: BuildRecord | undefined, key: string): StepRecord | undefined {
  if (!build) return undefined;
  if (build.checkout?.key === key) return build.checkout;
  return build.stages.flatMap((s) => s.steps).find((s) => s.key === key);
}

function formatLine(line: LogLine): string {
  return `${line.time.slice(11, 23)} ${line.stream === 'stderr' ? 'E' : ' '} ${line.text}\n`;
}

function withLinks(build: BuildRecord): BuildRecord & { links: Record<string, string> } {
  const links: Record<string, string> = {};
  const steps = [...(build.checkout ? [build.checkout] : []), ...build.stages.flatMap((s) => s.steps)];
  for (const step of steps) links[step.key] = `/builds/${build.id}/steps/${step.key}/log`;
  return { ...build, links };
}
