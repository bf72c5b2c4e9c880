import Koa from 'koa';
import Router from '@koa/router';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CloneUrlRewrite } from '../core/trigger/map-event.js';
import type { BuildStore } from '../shared/build-store.js';
import type { Logger } from '../shared/logger.js';
import type { ApprovalJob, RequestJob } from '../shared/queues.js';
import { apiRouter } from './api-routes.js';
import type { LiveLogHub } from './live-logs.js';
import { webhookHandler } from './webhook-route.js';

export interface AppDeps {
  webhookSecret: string;
  requests: Queue<RequestJob>;
  approvals: Queue<ApprovalJob>;
  store: BuildStore;
  cloneUrlRewrite: CloneUrlRewrite;
  logger: Logger;
  redis: Redis;
  live: LiveLogHub;
  apiToken: string;
  /** Where manual runs clone from, before the rewrite rules. */
  gitBaseUrl: string;
}

/** The receiver's HTTP app (webhooks and the API), without listening: tests call it directly. */
export function createApp(deps: AppDeps): Koa {
  if (!deps.webhookSecret) throw new Error('a webhook secret is required; refusing to accept unsigned webhooks');
  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      deps.logger.error('request failed', { path: ctx.path, err });
      ctx.status = 500;
      ctx.body = { error: 'internal error' };
    }
  });
  const router = new Router();
  router.post(
    '/webhooks',
    webhookHandler({
      secret: deps.webhookSecret,
      requests: deps.requests,
      approvals: deps.approvals,
      cloneUrlRewrite: deps.cloneUrlRewrite,
      logger: deps.logger,
      redis: deps.redis,
    }),
  );
  const api = apiRouter({
    store: deps.store,
    redis: deps.redis,
    live: deps.live,
    apiToken: deps.apiToken,
    approvals: deps.approvals,
    requests: deps.requests,
    gitBaseUrl: deps.gitBaseUrl,
    cloneUrlRewrite: deps.cloneUrlRewrite,
  });
  app.use(router.routes()).use(router.allowedMethods()).use(api.routes()).use(api.allowedMethods());
  return app;
}
