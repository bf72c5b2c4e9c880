import Koa from 'koa';
import Router from '@koa/router';
import type { CloneUrlRewrite } from '../core/trigger/map-event.js';
import type { Logger } from '../shared/logger.js';
import type { BuildStore } from '../shared/ports/build-store.js';
import type { LogStore } from '../shared/ports/log-store.js';
import type { Queues } from '../shared/ports/queues.js';
import type { Stops } from '../shared/ports/stops.js';
import { apiRouter } from './api-routes.js';
import { webhookHandler } from './webhook-route.js';

export interface AppDeps {
  webhookSecret: string;
  /** Where requests and approval decisions are queued. */
  queues: Queues;
  builds: BuildStore;
  logs: LogStore;
  stops: Stops;
  cloneUrlRewrite: CloneUrlRewrite;
  logger: Logger;
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
      queues: deps.queues,
      stops: deps.stops,
      cloneUrlRewrite: deps.cloneUrlRewrite,
      logger: deps.logger,
    }),
  );
  const api = apiRouter({
    builds: deps.builds,
    logs: deps.logs,
    stops: deps.stops,
    queues: deps.queues,
    apiToken: deps.apiToken,
    gitBaseUrl: deps.gitBaseUrl,
    cloneUrlRewrite: deps.cloneUrlRewrite,
  });
  app.use(router.routes()).use(router.allowedMethods()).use(api.routes()).use(api.allowedMethods());
  return app;
}
