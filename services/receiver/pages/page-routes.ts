import Router from '@koa/router';
import type { Context } from 'koa';
import { hasScope } from '../../core/auth/principal.js';
import type { BuildRecord } from '../../core/builds/record.js';
import type { AuditLog } from '../../shared/ports/audit-log.js';
import type { BuildStore } from '../../shared/ports/build-store.js';
import type { ArtifactStore } from '../../shared/ports/artifact-store.js';
import { csrfTokenOf, principalOf, type RepoAccess, visibleBuild, visibleBuilds } from '../auth/index.js';
import { publicBuild } from '../public-build.js';
import { NO_PERMISSIONS, type BuildPermissions } from './build-actions.js';
import { buildListPage, buildListSection, type BuildListView } from './build-list-page.js';
import { LIST_WINDOW, pageOf, parseListQuery } from './build-list-query.js';
import { buildLive, buildPage, type BuildPageView } from './build-page.js';
import type { Viewer } from './html.js';
import { messagePage } from './message-page.js';
import { nodesPage } from './nodes-page.js';
import type { Provisions } from '../../shared/ports/provisions.js';
import { provisionedNodeViews } from '../api-v1/provisioned-node-view.js';

export interface PageDeps {
  builds: BuildStore;
  audit: AuditLog;
  access: RepoAccess;
  /** Whether sign-in with GitHub is configured (pages offer it). */
  signIn: boolean;
  /** Whether the re-run API (POST /api/v1/builds/:id/rerun) is there to offer its buttons. */
  rerun?: boolean;
  now?: () => Date;
  /** Builds' artifacts, listed on the build page. */
  artifacts?: ArtifactStore;
  /** Nodes started on demand, listed at `/nodes`. */
  provisions?: Provisions;
}

/**
 * The dashboard's pages, for browsers: `GET /` (the build list) and `GET /builds/:id` when
 * the client asks for HTML (JSON asks pass on to the API router). Both see only what the
 * viewer may read (`visibleBuilds`, `visibleBuild`: an unreadable build is the same 404 as
 * an unknown one), and `?fragment=` gives the live part alone for the pages' scripts.
 * Actions are offered only to people the server would let act, and are checked again by
 * their routes.
 */
export function pageRouter(deps: PageDeps): Router {
  const router = new Router();
  const now = deps.now ?? (() => new Date());
  const viewer = (ctx: Context): Viewer => ({
    principal: principalOf(ctx),
    csrf: csrfTokenOf(ctx),
    signIn: deps.signIn,
  });

  router.get('/', async (ctx) => {
    const query = parseListQuery(ctx.query);
    const visible = await visibleBuilds(ctx, await deps.builds.recent(LIST_WINDOW), deps.access);
    const { builds, next } = pageOf(visible, query);
    const repos = [...new Set(visible.map((b) => `${b.request.repo.owner}/${b.request.repo.name}`))].sort();
    const view: BuildListView = { builds, query, repos, now: now(), ...(next ? { next } : {}) };
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('cache-control', 'no-store');
    ctx.body = ctx.query.fragment === 'builds' ? buildListSection(view) : buildListPage(view, viewer(ctx));
  });

  router.get('/nodes', async (ctx, next) => {
    if (ctx.accepts('json', 'html') !== 'html') return next();
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('cache-control', 'no-store');
    if (!hasScope(principalOf(ctx), 'read')) {
      ctx.status = 404;
      ctx.body = messagePage('Not found', 'Sign in to see the nodes Slipway started.', {
        href: '/',
        label: 'All builds',
      });
      return;
    }
    const records = (await deps.provisions?.list()) ?? [];
    const ids = [...new Set(records.map((r) => r.reason.buildId).filter((id): id is string => !!id))];
    const askers = (await Promise.all(ids.map((id) => deps.builds.get(id)))).filter(
      (b): b is BuildRecord => b !== undefined,
    );
    const readable = new Set((await visibleBuilds(ctx, askers, deps.access)).map((b) => b.id));
    ctx.body = nodesPage(provisionedNodeViews(records, readable, now()), viewer(ctx));
  });

  router.get('/builds/:id', async (ctx, next) => {
    if (ctx.accepts('json', 'html') !== 'html') return next();
    const found = await visibleBuild(ctx, deps.builds, deps.access, ctx.params.id!);
    if (!found) {
      ctx.status = 404;
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = messagePage('Not found', 'There is no such build, or you may not see it.', {
        href: '/',
        label: 'All builds',
      });
      return;
    }
    const build = publicBuild(found);
    const step = typeof ctx.query.step === 'string' ? ctx.query.step : undefined;
    const view: BuildPageView = {
      now: now(),
      may: await permissions(ctx, build),
      audit: await deps.audit.list({ buildId: build.id, limit: 50 }).catch(() => []),
      artifacts: (await deps.artifacts?.list(build.id)) ?? [],
      ...(step ? { step } : {}),
    };
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('cache-control', 'no-store');
    ctx.body =
      ctx.query.fragment === 'live' ? buildLive(build, viewer(ctx), view) : buildPage(build, viewer(ctx), view);
  });

  async function permissions(ctx: Context, build: BuildRecord): Promise<BuildPermissions> {
    const principal = principalOf(ctx);
    if (principal.kind === 'anonymous') return NO_PERMISSIONS;
    const write = await deps.access.canWrite(principal, build.request.repo);
    return {
      cancel: write && hasScope(principal, 'cancel'),
      trigger: write && hasScope(principal, 'trigger'),
      rerun: write && hasScope(principal, 'trigger') && deps.rerun === true,
    };
  }

  return router;
}
