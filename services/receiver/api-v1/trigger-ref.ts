import type { Context, Next } from 'koa';
import { isRepoName } from '../../core/trigger/names.js';
import { requestJson } from '../request-body.js';
import { principalOf, refuse, type RepoAccess } from '../auth/index.js';

/**
 * Before the one manual-run handler (action-routes.ts): `POST /api/v1/builds {repo, ref}` may
 * name a branch without a sha; its head is looked up on GitHub and the body handed on with
 * `sha` filled in. A `ref` that is a full sha is the sha (the run's ref stays the default).
 */
const HIDDEN = 'no such repository or branch, or you may not trigger its builds';

export function resolveTriggerRef(
  access: RepoAccess,
  branchHead?: (repo: { owner: string; name: string }, branch: string) => Promise<string | undefined>,
) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const body = await requestJson(ctx);
    if (body && body.sha === undefined && typeof body.ref === 'string' && typeof body.repo === 'string') {
      const [owner = '', name = ''] = body.repo.split('/');
      let resolved: Record<string, unknown>;
      if (/^[0-9a-f]{40}$/.test(body.ref)) {
        // JSON drops the undefined ref: the run gets the default one.
        resolved = { ...body, sha: body.ref, ref: undefined };
      } else {
        if (!isRepoName(owner, name) || body.repo.split('/').length !== 2)
          return refuse(ctx, 400, 'bad_request', '"repo" must be "owner/name" of a GitHub repository');
        if (!(await access.canWrite(principalOf(ctx), { owner, name }))) return refuse(ctx, 404, 'not_found', HIDDEN);
        if (!branchHead) return refuse(ctx, 400, 'bad_request', '"sha" is needed: this server cannot look up branches');
        const branch = body.ref.replace(/^refs\/heads\//, '');
        const sha = await branchHead({ owner, name }, branch);
        if (!sha) return refuse(ctx, 404, 'not_found', HIDDEN);
        resolved = { ...body, sha };
      }
      ctx.state.bodyText = JSON.stringify(resolved);
    }
    await next();
  };
}
