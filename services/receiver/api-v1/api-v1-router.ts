import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { GitHubPeople } from '../../shared/github.js';
import type { BuildEvents } from '../../shared/ports/build-events.js';
import type { OutgoingHooks } from '../../shared/ports/outgoing-hooks.js';
import { actionRouter } from '../action-routes.js';
import type { ApiDeps } from '../api-routes.js';
import { auditRouter } from '../audit-routes.js';
import { requireScope } from '../auth/index.js';
import { buildReadRouter } from './build-routes.js';
import { eventFeedRoute } from './event-feed-route.js';
import { hookRouter } from './hook-routes.js';
import { openApiDocument } from './openapi-document.js';
import { rerunRoute } from './rerun-route.js';
import { statusRoute, type StatusDeps } from './status-route.js';
import { resolveTriggerRef } from './trigger-ref.js';

export interface ApiV1Deps extends ApiDeps, Pick<StatusDeps, 'census' | 'presence' | 'provisions'> {
  events: BuildEvents;
  hooks: OutgoingHooks;
  /** Looks up a branch's head for a trigger that names a branch; without it a trigger needs a sha. */
  branchHead?: GitHubPeople['branchHead'];
  /** The SSE heartbeat (15 s; tests shorten it). */
  heartbeatMs?: number;
}

/**
 * `/api/v1` (contract C), described by `/api/v1/openapi.json`. The actions are the ones the
 * old paths have (action-routes.ts: cancel, approve, reject, the manual run), mounted here
 * too, so there is one implementation; this router adds what they lack (a trigger by branch
 * name, re-runs, the list, JSON lines, the event feed). Every error is `{error, message}` with
 * a snake_case code (`not_found`, `bad_request`, `forbidden`, `unauthenticated`, `conflict`).
 */
export function apiV1Router(deps: ApiV1Deps): Router {
  const router = new Router({ prefix: '/api/v1' });
  router.use(snakeCaseErrors);
  router.get('/openapi.json', (ctx) => {
    ctx.body = openApiDocument();
  });
  router.get('/events', eventFeedRoute(deps));
  router.get('/status', requireScope('read'), statusRoute(deps));
  router.post('/builds/:id/rerun', requireScope('trigger'), rerunRoute(deps));
  router.post('/builds', requireScope('trigger'), resolveTriggerRef(deps.access, deps.branchHead));
  const reads = buildReadRouter(deps);
  const actions = actionRouter(deps);
  const audit = auditRouter(deps);
  const hooks = hookRouter(deps);
  router.use(reads.routes(), actions.routes(), audit.routes(), hooks.routes());
  return router;
}

/** The old paths' codes are kebab-case (`not-found`); v1's are snake_case, as its document says. */
async function snakeCaseErrors(ctx: Context, next: Next): Promise<void> {
  await next();
  const body = ctx.body as { error?: unknown } | undefined;
  if (ctx.status >= 400 && body && typeof body === 'object' && typeof body.error === 'string')
    body.error = body.error.replace(/-/g, '_');
}

/** App middleware: a path under `/api/v1` that no route answered is a JSON 404 too. */
export async function apiV1NotFound(ctx: Context, next: Next): Promise<void> {
  await next();
  if (ctx.status === 404 && ctx.body === undefined && ctx.path.startsWith('/api/v1/')) {
    ctx.body = { error: 'not_found', message: `no API path ${ctx.method} ${ctx.path}` };
    ctx.status = 404;
  }
}
