import Router from '@koa/router';
import type { BuildRecord } from '../core/build/record.js';
import type { BuildStore, LogLine } from '../shared/build-store.js';

/** Slipway's read API: what statuses link to. */
export function apiRouter(store: BuildStore): Router {
  const router = new Router();

  router.get('/healthz', (ctx) => {
    ctx.body = { ok: true };
  });

  router.get('/builds/:id', async (ctx) => {
    const build = await store.get(ctx.params.id!);
    if (!build) {
      ctx.status = 404;
      ctx.body = { error: `no build ${ctx.params.id}` };
      return;
    }
    ctx.body = withLinks(build);
  });

  router.get('/builds/:id/steps/:step/log', async (ctx) => {
    const { id, step } = ctx.params as { id: string; step: string };
    const build = await store.get(id);
    const known = build && (build.checkout?.key === step || build.stages.some((s) => s.steps.some((st) => st.key === step)));
    if (!known) {
      ctx.status = 404;
      ctx.body = { error: `no step ${step} in build ${id}` };
      return;
    }
    const lines = await store.log(id, step);
    if (ctx.query.format === 'json') ctx.body = { build: id, step, lines };
    else {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = lines.map(formatLine).join('');
    }
  });

  return router;
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
