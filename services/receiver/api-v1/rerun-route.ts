import type { Context } from 'koa';
import { RerunRefused } from '../../core/errors/rerun-refused.js';
import { requestRerun } from '../../shared/rerun.js';
import type { ApiDeps } from '../api-routes.js';
import { actorOf, notFound, principalOf, refuse, visibleBuild } from '../auth/index.js';
import { requestOrigin } from '../auth/request-origin.js';
import { requestJson } from '../request-body.js';

/**
 * `POST /api/v1/builds/{id}/rerun {failed_only?, stage?}` (scope `trigger`, write permission
 * on the repository): a new build of the same commit (contract B), `202 {build, rerun_of}`.
 */
export function rerunRoute(deps: ApiDeps) {
  return async (ctx: Context): Promise<void> => {
    const id = ctx.params.id!;
    const build = await visibleBuild(ctx, deps.builds, deps.access, id);
    if (!build) return notFound(ctx);
    const principal = principalOf(ctx);
    if (!(await deps.access.canWrite(principal, build.request.repo)))
      return refuse(ctx, 403, 'forbidden', 're-running needs write permission on the repository');
    const body = (await requestJson(ctx)) ?? {};
    if (body.failed_only !== undefined && typeof body.failed_only !== 'boolean')
      return refuse(ctx, 400, 'bad_request', '"failed_only" must be true or false');
    if (body.stage !== undefined && typeof body.stage !== 'string')
      return refuse(ctx, 400, 'bad_request', '"stage" must be a stage name');
    try {
      const made = await requestRerun(
        { state: deps },
        {
          buildId: id,
          failedOnly: body.failed_only === true,
          ...(typeof body.stage === 'string' ? { stage: body.stage } : {}),
          by: actorOf(principal),
          via: ctx.get('user-agent').startsWith('slipway-cli') ? 'cli' : 'api',
          from: requestOrigin(ctx, principal),
        },
      );
      ctx.status = 202;
      ctx.body = { build: made.buildId, rerun_of: id, failed_only: body.failed_only === true };
    } catch (err) {
      if (!(err instanceof RerunRefused)) throw err;
      if (err.reason === 'not-found') return notFound(ctx);
      refuse(ctx, 409, 'conflict', err.message);
    }
  };
}
