import Router from '@koa/router';
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import { isFinal } from '../core/builds/types.js';
import { buildIdFor } from '../core/plan/naming.js';
import { manualRequest, type ManualRun } from '../core/trigger/manual-request.js';
import { keepSecretParams } from '../shared/secret-params.js';
import { safeJobId, type ApprovalJob } from '../shared/queues.js';
import type { ApiDeps } from './api-routes.js';
import { auditAction } from './audit-action.js';
import { notFound, principalOf, refuse, requireScope, visibleBuild } from './auth/index.js';
import { requestOrigin } from './auth/request-origin.js';
import { requestForm, requestJson } from './request-body.js';

/**
 * What changes something: cancel (`cancel` scope, write permission), a manual run (`trigger`,
 * write permission), approve and reject (`approve`: a person; the decision is recorded as the
 * authenticated login, whatever the body says), and a manual test's pass or fail (`approve`,
 * a person; whoever the spec names decides). Each is in the audit trail, with who and from
 * where. A form post from a page (urlencoded) is answered with a redirect back to the build.
 */
export function actionRouter(deps: ApiDeps): Router {
  const { builds: store, access } = deps;
  const router = new Router();

  router.post('/builds/:id/cancel', requireScope('cancel'), async (ctx) => {
    const id = ctx.params.id!;
    const build = await visibleBuild(ctx, store, access, id);
    if (!build) return notFound(ctx);
    if (!(await access.canWrite(principalOf(ctx), build.request.repo)))
      return refuse(ctx, 403, 'forbidden', 'cancelling needs write permission on the repository');
    if (isFinal(build.state)) return refuse(ctx, 409, 'conflict', `build ${id} is already over (${build.state})`);
    const reason = `cancelled by ${actorName(ctx)} through the API`;
    await deps.stops.cancel(id, reason);
    // A build held for a manual test runs no job to see the stop: queued again, its objects go now.
    const held = build.gate?.state === 'pending' ? await deps.gates?.get(id) : undefined;
    if (held) await deps.queues.add('builds', { plan: held.plan }, { jobId: `${id}-gate-cancelled` });
    await auditAction(ctx, deps.audit, { kind: 'cancel', buildId: id, repo: repoName(build.request.repo), reason });
    if (isForm(ctx)) return ctx.redirect(`/builds/${id}`);
    ctx.status = 202;
    ctx.body = { cancelling: id };
  });

  // A manual run (the "pseudo-RPC" trigger): {repo, sha, ref?, params?, secret_params?}; the body's `user` is ignored.
  router.post('/builds', requireScope('trigger'), async (ctx) => {
    const body = (await requestJson(ctx)) ?? {};
    const id = `manual-${randomUUID()}`;
    const made = manualRequest(id, body as unknown as ManualRun, deps.gitBaseUrl, deps.cloneUrlRewrite);
    if (!made.ok) return refuse(ctx, 400, 'bad-request', made.error);
    const principal = principalOf(ctx);
    if (!(await access.canWrite(principal, made.request.repo)))
      return refuse(ctx, 404, 'not-found', 'no such repository, or you may not trigger its builds');
    const isPrivate = await deps.isPrivate(made.request.repo);
    if (isPrivate === undefined) return refuse(ctx, 404, 'not-found', 'no such repository');
    // Only once the caller may trigger: the values are kept apart, the request names them.
    const request = await keepSecretParams(deps.secretParams, made.request, made.secretValues);
    request.private = isPrivate;
    request.sender = actorName(ctx);
    await deps.queues.add('requests', { request, receivedAt: new Date().toISOString() }, { jobId: id });
    const build = buildIdFor(id);
    await auditAction(ctx, deps.audit, {
      kind: 'manual-run',
      buildId: build,
      repo: repoName(request.repo),
      sha: request.sha,
      ref: request.ref,
      params: Object.keys(request.params ?? {}),
      secretParams: request.secretParams ?? [],
    });
    ctx.status = 202;
    ctx.body = { accepted: true, build };
  });

  for (const decision of ['approve', 'reject'] as const) {
    router.post(`/builds/:id/${decision}`, requireScope('approve'), async (ctx) => {
      const id = ctx.params.id!;
      const build = await visibleBuild(ctx, store, access, id);
      if (!build) return notFound(ctx);
      const principal = principalOf(ctx);
      if (principal.kind !== 'user') return refuse(ctx, 403, 'forbidden', 'only a person can approve or reject');
      const job: ApprovalJob = {
        kind: 'decision',
        owner: build.request.repo.owner,
        repo: build.request.repo.name,
        buildId: id,
        user: principal.login,
        decision,
        via: 'api',
        from: requestOrigin(ctx, principal),
      };
      await deps.queues.add('approvals', job, {
        jobId: safeJobId(`approval-${id}-${principal.login}-${decision}-${randomUUID()}`),
      });
      if (isForm(ctx)) return ctx.redirect(`/builds/${id}`);
      ctx.status = 202;
      ctx.body = { build: id, decision, by: principal.login };
    });
  }
  // A manual test's pass or fail: {decision: pass|fail, reason?}, as the authenticated person.
  router.post('/builds/:id/gate', requireScope('approve'), async (ctx) => {
    const id = ctx.params.id!;
    const build = await visibleBuild(ctx, store, access, id);
    if (!build) return notFound(ctx);
    const principal = principalOf(ctx);
    if (principal.kind !== 'user') return refuse(ctx, 403, 'forbidden', 'only a person can pass or fail a manual test');
    const form = ctx.is('application/x-www-form-urlencoded') ? await requestForm(ctx) : undefined;
    const body = form ? Object.fromEntries(form) : ((await requestJson(ctx)) ?? {});
    const decision = body.decision;
    if (decision !== 'pass' && decision !== 'fail')
      return refuse(ctx, 400, 'bad-request', 'decision is "pass" or "fail"');
    const reason = typeof body.reason === 'string' ? body.reason.trim().slice(0, 200) : '';
    if (!build.gate || build.gate.state !== 'pending')
      return refuse(ctx, 409, 'conflict', `build ${id} is not held for a manual test`);
    const via = body.via === 'cli' ? 'cli' : form ? 'dashboard' : 'api';
    const job: ApprovalJob = {
      kind: 'gate',
      owner: build.request.repo.owner,
      repo: build.request.repo.name,
      buildId: id,
      user: principal.login,
      decision,
      ...(reason ? { reason } : {}),
      via,
      from: requestOrigin(ctx, principal),
    };
    await deps.queues.add('approvals', job, {
      jobId: safeJobId(`gate-${id}-${principal.login}-${decision}-${randomUUID()}`),
    });
    if (form) return ctx.redirect(`/builds/${id}`);
    ctx.status = 202;
    ctx.body = { build: id, decision, by: principal.login, ...(reason ? { reason } : {}) };
  });
  return router;
}

function actorName(ctx: Context): string {
  const principal = principalOf(ctx);
  return principal.kind === 'user' ? principal.login : 'operator';
}

function repoName(repo: { owner: string; name: string }): string {
  return `${repo.owner}/${repo.name}`;
}

/** A page's form (urlencoded): answered with a redirect; its body was already read for the CSRF check. */
function isForm(ctx: Context): boolean {
  if (!ctx.is('application/x-www-form-urlencoded')) return false;
  void requestForm(ctx);
  return true;
}
