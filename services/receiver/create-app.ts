import Koa from 'koa';
import Router from '@koa/router';
import type { CloneUrlRewrite } from '../core/trigger/map-event.js';
import type { SlipwayError } from '../core/errors/slipway-error.js';
import type { GitHubPeople } from '../shared/github.js';
import type { GitHubSignIn } from '../shared/github-sign-in.js';
import { healthRouter, type HealthDeps } from '../shared/health/health-router.js';
import { metrics } from '../shared/metrics/metrics.js';
import type { Logger } from '../shared/logger.js';
import type { State } from '../shared/ports/state.js';
import type { QueueCensus } from '../shared/ports/queue-census.js';
import type { ArtifactStore } from '../shared/ports/artifact-store.js';
import { apiRouter } from './api-routes.js';
import { apiV1NotFound, apiV1Router } from './api-v1/api-v1-router.js';
import { mergeRouter } from './merge-routes.js';
import { repoAccess, requireCsrf, resolvePrincipal } from './auth/index.js';
import { signInRouter } from './auth/sign-in-routes.js';
import { tokenRouter } from './auth/token-routes.js';
import { cors } from './cors.js';
import { pageRouter } from './pages/page-routes.js';
import { staticFiles } from './static-files.js';
import { securityHeaders } from './security-headers.js';
import { buildspecSchema } from '../shared/spec-parser.js';
import { schemaRouter } from './schema-route.js';
import { webhookMetrics } from './webhook-metrics.js';
import { webhookHandler, type WebhookDeps } from './webhook-route.js';

export interface AppDeps extends Pick<
  State,
  | 'queues'
  | 'builds'
  | 'logs'
  | 'stops'
  | 'audit'
  | 'sessions'
  | 'tokens'
  | 'permissions'
  | 'deliveries'
  | 'events'
  | 'hooks'
  | 'secretParams'
> {
  webhookSecret: string;
  cloneUrlRewrite: CloneUrlRewrite;
  logger: Logger;
  /** SLIPWAY_API_TOKEN: the operator's token (read, trigger, cancel, admin; never approve). */
  apiToken: string;
  /** Where manual runs clone from, before the rewrite rules. */
  gitBaseUrl: string;
  /** Asked with Slipway's credentials: a person's role on a repository, a repository's visibility. */
  github: Pick<GitHubPeople, 'roleOf' | 'isPrivate'> & Partial<Pick<GitHubPeople, 'branchHead'>>;
  /** The heartbeat of live streams (15 s). */
  heartbeatMs?: number;
  /** In App mode: webhooks say which installation serves which repository. */
  installations?: WebhookDeps['installations'];
  /** Sign in with GitHub; without it nobody signs in (tokens made before still work). */
  signIn?: { client: GitHubSignIn; sessionSecret: string };
  publicUrl: string;
  sessionTtlMs?: number;
  publicReads?: boolean;
  admins?: readonly string[];
  trustProxy?: boolean;
  corsOrigins?: readonly string[];
  /** How long a person's role is cached (default 60 s). */
  permissionTtlMs?: number;
  /** The queues counted and the executors' heartbeats, for `GET /api/v1/status`; without them it shows none. */
  census?: QueueCensus;
  presence?: State['presence'];
  provisions?: State['provisions'];
  /** Stages held for manual tests (the cancel route tears a held build down at once). */
  gates?: State['gates'];
  /** The merge queue; its API (merge-routes.ts) is mounted when given. */
  mergeQueue?: State['mergeQueue'];
  /** Builds' artifacts, listed and served by the API and the build page; without it, none are shown. */
  artifacts?: ArtifactStore;
  /** /healthz, /readyz (these checks) and /metrics (contract D); without it, no checks and this process's metrics. */
  health?: HealthDeps;
}

/**
 * The receiver's HTTP app (webhooks, sign-in, tokens, the API and pages), without listening:
 * tests call it directly. Middleware in order: security headers, errors as JSON, CORS (only
 * when configured), health and metrics, the spec's schema (no principal), webhooks (before any principal: GitHub
 * signs them; counted by webhook-metrics.ts), principal, CSRF, routes.
 */
export function createApp(deps: AppDeps): Koa {
  if (!deps.webhookSecret) throw new Error('a webhook secret is required; refusing to accept unsigned webhooks');
  const app = new Koa({ proxy: deps.trustProxy ?? false });
  if (deps.signIn) app.keys = [deps.signIn.sessionSecret];
  // A client that leaves a live stream is not an error of the server's.
  const gone = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'EPIPE', 'ECONNRESET']);
  app.on('error', (err: NodeJS.ErrnoException) => {
    if (!gone.has(err.code ?? '')) deps.logger.error('response failed', { err });
  });
  app.use(securityHeaders(deps.publicUrl.startsWith('https:')));
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const retryable = (err as Partial<SlipwayError>).retryable === true;
      deps.logger.error('request failed', { path: ctx.path, err });
      ctx.status = retryable ? 503 : 500;
      ctx.body = retryable
        ? { error: 'unavailable', message: 'GitHub or Redis did not answer; try again shortly' }
        : { error: 'internal', message: 'internal error' };
    }
  });
  app.use(cors(deps.corsOrigins ?? []));
  const health = deps.health ?? { checks: [], metrics: metrics() };
  const probes = healthRouter(health);
  app.use(probes.routes()).use(probes.allowedMethods());
  const schema = schemaRouter(buildspecSchema());
  app.use(schema.routes()).use(schema.allowedMethods());
  app.use(webhookMetrics(health.metrics));
  const webhooks = new Router();
  webhooks.post('/webhooks', webhookHandler({ ...deps, secret: deps.webhookSecret }));
  app.use(webhooks.routes()).use(webhooks.allowedMethods());
  // The dashboard's browser code (/static/): public files, before any principal.
  app.use(staticFiles());

  app.use(
    resolvePrincipal({
      operatorToken: deps.apiToken,
      tokens: deps.tokens,
      sessions: deps.sessions,
      admins: deps.admins ?? [],
      sessionsEnabled: deps.signIn !== undefined,
    }),
  );
  app.use(requireCsrf());
  const routers: Router[] = [];
  if (deps.signIn) {
    routers.push(
      signInRouter({
        signIn: deps.signIn.client,
        sessions: deps.sessions,
        audit: deps.audit,
        logger: deps.logger,
        publicUrl: deps.publicUrl,
        sessionTtlMs: deps.sessionTtlMs ?? 12 * 3_600_000,
        admins: deps.admins ?? [],
      }),
    );
  }
  routers.push(tokenRouter({ tokens: deps.tokens, audit: deps.audit, signIn: deps.signIn !== undefined }));
  const access = repoAccess({
    github: deps.github,
    cache: deps.permissions,
    publicReads: deps.publicReads ?? false,
    ...(deps.permissionTtlMs !== undefined ? { ttlMs: deps.permissionTtlMs } : {}),
  });
  const api = {
    ...deps,
    access,
    isPrivate: (repo: { owner: string; name: string }) => deps.github.isPrivate(repo),
    signIn: deps.signIn !== undefined,
  };
  const branchHead = deps.github.branchHead?.bind(deps.github);
  routers.push(apiV1Router({ ...api, ...(branchHead ? { branchHead } : {}) }));
  // The dashboard's pages answer browsers first; JSON asks pass on to the API.
  // The API v1 (with its re-run route) is always mounted above: the pages offer its buttons.
  routers.push(pageRouter({ ...deps, access, signIn: deps.signIn !== undefined, rerun: true }));
  routers.push(apiRouter(api));
  if (deps.mergeQueue) routers.push(mergeRouter({ mergeQueue: deps.mergeQueue, queues: deps.queues, access }));
  app.use(apiV1NotFound);
  for (const router of routers) app.use(router.routes()).use(router.allowedMethods());
  return app;
}
