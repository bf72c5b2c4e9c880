import Router from '@koa/router';
import type { SlipwayMetrics } from '../metrics/metrics.js';
import { readiness, type ReadinessCheck } from './readiness.js';

/** What the health routes are given: the readiness checks of this process and its metrics. */
export interface HealthDeps {
  checks: readonly ReadinessCheck[];
  metrics: SlipwayMetrics;
  /** Asked before each scrape (queue depths, approvals waiting); a failure is logged, the scrape still answers. */
  beforeScrape?: () => Promise<void>;
}

/**
 * Contract D, the same three routes on the receiver's port and on the health server of the
 * other processes (health-server.ts). No principal: they say nothing about builds or people.
 *
 * - `GET /healthz`: 200 `{ok: true}` while the process serves HTTP (alive; restart it otherwise).
 * - `GET /readyz`: 200 when every check answers, else 503 with each check and the reason
 *   (`{ready: false, checks: [{name: "redis", ok: false, reason: "…"}]}`): do not send it work.
 * - `GET /metrics`: Prometheus text format (prom-client).
 */
export function healthRouter(deps: HealthDeps): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('cache-control', 'no-store');
    ctx.body = { ok: true };
  });
  router.get('/readyz', async (ctx) => {
    const answer = await readiness(deps.checks);
    ctx.set('cache-control', 'no-store');
    ctx.status = answer.ready ? 200 : 503;
    ctx.body = answer;
  });
  router.get('/metrics', async (ctx) => {
    await deps.beforeScrape?.();
    ctx.set('cache-control', 'no-store');
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
  return router;
}
