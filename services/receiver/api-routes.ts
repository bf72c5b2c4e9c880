import type { ArtifactStore } from '../shared/ports/artifact-store.js';
import type { ManualGates } from '../shared/ports/manual-gates.js';
import Router from '@koa/router';
import type { Context } from 'koa';
import { isFinal } from '../core/builds/types.js';
import type { BuildRecord, StepRecord } from '../core/builds/record.js';
import type { LogLine } from '../core/builds/log-line.js';
import type { SecretParamStore } from '../shared/ports/secret-param-store.js';
import type { CloneUrlRewrite } from '../core/trigger/map-event.js';
import type { AuditLog } from '../shared/ports/audit-log.js';
import type { BuildStore } from '../shared/ports/build-store.js';
import type { LogStore } from '../shared/ports/log-store.js';
import type { Queues } from '../shared/ports/queues.js';
import type { Stops } from '../shared/ports/stops.js';
import { actionRouter } from './action-routes.js';
import { auditRouter } from './audit-routes.js';
import { csrfTokenOf, notFound, principalOf, type RepoAccess, visibleBuild } from './auth/index.js';
import { visibleBuilds } from './auth/visible-build.js';
import { buildPage, dashboardPage } from './dashboard.js';
import { streamLog } from './live-logs.js';
import type { Viewer } from './pages/html.js';
import { publicBuild } from './public-build.js';

export interface ApiDeps {
  builds: BuildStore;
  logs: LogStore;
  stops: Stops;
  queues: Queues;
  audit: AuditLog;
  /** Where a manual run's secret parameters' values go (never into its request). */
  secretParams: SecretParamStore;
  access: RepoAccess;
  /** Whether a repository is private on GitHub (manual runs); undefined when GitHub has no such repository. */
  isPrivate: (repo: { owner: string; name: string }) => Promise<boolean | undefined>;
  gitBaseUrl: string;
  cloneUrlRewrite: CloneUrlRewrite;
  /** Whether sign-in with GitHub is configured (pages offer it). */
  signIn: boolean;
  /** Builds' artifacts; without it, a build lists none. */
  artifacts?: ArtifactStore;
  /** Stages held for manual tests: a cancelled held build is queued at once, so its objects go now. */
  gates?: ManualGates;
}

/**
 * Slipway's API and pages: builds and their logs (what statuses link to), live logs, and the
 * actions (action-routes.ts). Every read goes through `visibleBuild`: a build the caller may
 * not read answers the same 404 as one that does not exist.
 */
export function apiRouter(deps: ApiDeps): Router {
  const { builds: store, logs, access } = deps;
  const router = new Router();
  const viewer = (ctx: Context): Viewer => ({
    principal: principalOf(ctx),
    csrf: csrfTokenOf(ctx),
    signIn: deps.signIn,
  });

  router.get('/', async (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = dashboardPage(await visibleBuilds(ctx, await store.recent(100), access), viewer(ctx));
  });

  // JSON for programs; an HTML page for browsers (what a status's target_url opens).
  router.get('/builds/:id', async (ctx) => {
    const build = await visibleBuild(ctx, store, access, ctx.params.id!);
    if (!build) return notFound(ctx);
    if (ctx.accepts('json', 'html') === 'html') {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = buildPage(publicBuild(build), viewer(ctx));
    } else ctx.body = withLinks(publicBuild(build));
  });

  router.get('/builds/:id/steps/:step/log', async (ctx) => {
    const { id, step } = ctx.params as { id: string; step: string };
    if (!stepOf(await visibleBuild(ctx, store, access, id), step)) return notFound(ctx, 'step');
    const lines = await logs.read(id, step);
    if (ctx.query.format === 'json') ctx.body = { build: id, step, lines };
    else {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = lines.map(formatLine).join('');
    }
  });

  router.get('/builds/:id/steps/:step/log/stream', async (ctx) => {
    const { id, step } = ctx.params as { id: string; step: string };
    if (!stepOf(await visibleBuild(ctx, store, access, id), step)) return notFound(ctx, 'step');
    await streamLog(ctx, logs, id, step, async () => stepOf(await store.get(id), step)?.state);
  });

  const actions = actionRouter(deps);
  const audit = auditRouter(deps);
  router.use(actions.routes(), audit.routes());
  return router;
}

export function stepOf(build: BuildRecord | undefined, key: string): StepRecord | undefined {
  if (!build) return undefined;
  if (build.checkout?.key === key) return build.checkout;
  return stepsOf(build).find((s) => s?.key === key);
}

/** A record's steps, tolerating one stored in a shape it should not have (never a 500). */
export function stepsOf(build: BuildRecord): StepRecord[] {
  const stages = Array.isArray(build.stages) ? build.stages : [];
  return stages.flatMap((s) => (Array.isArray(s?.steps) ? s.steps : []));
}

export { isFinal };

/** A log line as the text log shows it: time of day, `E` for stderr, the text. */
export function formatLine(line: LogLine): string {
  return `${String(line.time).slice(11, 23)} ${line.stream === 'stderr' ? 'E' : ' '} ${line.text}\n`;
}

function withLinks(build: BuildRecord): BuildRecord & { links: Record<string, string> } {
  const links: Record<string, string> = {};
  const steps = [...(build.checkout ? [build.checkout] : []), ...stepsOf(build)];
  for (const step of steps) if (step?.key) links[step.key] = `/builds/${build.id}/steps/${step.key}/log`;
  return { ...build, links };
}
