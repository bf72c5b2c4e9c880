import Router from '@koa/router';
import { buildSummary } from '../../core/builds/build-summary.js';
import type { BuildRecord } from '../../core/builds/record.js';
import { formatLine, stepOf, stepsOf, type ApiDeps } from '../api-routes.js';
import { notFound, visibleBuild } from '../auth/index.js';
import { streamLog } from '../live-logs.js';
import { publicBuild } from '../public-build.js';
import { buildListRoute } from './build-list-route.js';

/**
 * The reads of `/api/v1` (contract C): the build list, one build, a step's log as text or
 * JSON lines (`{n, ts, stream, text}`), its live stream, artifacts. Every one answers 404
 * alike for a build that does not exist and one the caller may not read.
 */
export function buildReadRouter(deps: ApiDeps & { heartbeatMs?: number }): Router {
  const { builds: store, logs, access } = deps;
  const router = new Router();
  router.get('/builds', buildListRoute(store, access));

  router.get('/builds/:id', async (ctx) => {
    const build = await visibleBuild(ctx, store, access, ctx.params.id!);
    if (!build) return notFound(ctx);
    ctx.body = fullBuild(build);
  });

  router.get('/builds/:id/steps/:step/log', async (ctx) => {
    const { id, step } = ctx.params as { id: string; step: string };
    if (!stepOf(await visibleBuild(ctx, store, access, id), step)) return notFound(ctx, 'step');
    const lines = await logs.read(id, step);
    if (ctx.query.format === 'jsonl') {
      ctx.type = 'application/x-ndjson; charset=utf-8';
      ctx.body = lines
        .map((line, i) => `${JSON.stringify({ n: i + 1, ts: line.time, stream: line.stream, text: line.text })}\n`)
        .join('');
    } else {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = lines.map(formatLine).join('');
    }
  });

  router.get('/builds/:id/steps/:step/log/stream', async (ctx) => {
    const { id, step } = ctx.params as { id: string; step: string };
    if (!stepOf(await visibleBuild(ctx, store, access, id), step)) return notFound(ctx, 'step');
    const state = async () => stepOf(await store.get(id), step)?.state;
    await streamLog(ctx, logs, id, step, state, deps.heartbeatMs);
  });

  router.get('/builds/:id/artifacts', async (ctx) => {
    const id = ctx.params.id!;
    if (!(await visibleBuild(ctx, store, access, id))) return notFound(ctx);
    const kept = (await deps.artifacts?.list(id)) ?? [];
    ctx.body = { artifacts: kept.map((a) => ({ ...a, url: artifactUrl(id, a.path) })) };
  });

  router.get('/builds/:id/artifacts/*path', async (ctx) => {
    const { id, path } = ctx.params as { id: string; path: string };
    if (!(await visibleBuild(ctx, store, access, id))) return notFound(ctx);
    const bytes = await deps.artifacts?.read(id, path);
    if (!bytes) return notFound(ctx, 'artifact');
    ctx.type = 'application/octet-stream';
    ctx.set(
      'Content-Disposition',
      `attachment; filename="${(path.split('/').pop() ?? 'artifact').replace(/["\\\r\n]/g, '_')}"`,
    );
    ctx.body = bytes;
  });
  return router;
}

/** Where an artifact is downloaded: each path segment escaped. */
export function artifactUrl(buildId: string, path: string): string {
  return `/api/v1/builds/${buildId}/artifacts/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** A build as `GET /api/v1/builds/{id}` answers: the record without secrets, its summary and links. */
export function fullBuild(build: BuildRecord): BuildRecord & { summary: unknown; links: Record<string, string> } {
  const shown = publicBuild(build);
  const base = `/api/v1/builds/${build.id}`;
  const links: Record<string, string> = { self: base, artifacts: `${base}/artifacts` };
  const steps = [...(build.checkout ? [build.checkout] : []), ...stepsOf(build)];
  for (const step of steps) if (step?.key) links[`log:${step.key}`] = `${base}/steps/${step.key}/log`;
  return { ...shown, summary: buildSummary(build), links };
}
