import Router from '@koa/router';
import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import { isRepoName } from '../core/trigger/names.js';
import type { MergeQueue } from '../shared/ports/merge-queue.js';
import type { Queues } from '../shared/ports/queues.js';
import { safeJobId, type MergeJob } from '../shared/queues.js';
import { principalOf, refuse, requireScope, type RepoAccess } from './auth/index.js';
import { requestOrigin } from './auth/request-origin.js';
import { requestJson } from './request-body.js';

export interface MergeRouteDeps {
  mergeQueue: MergeQueue;
  queues: Queues;
  access: RepoAccess;
}

/**
 * The merge queue's API (docs/operations.md, "The merge queue"):
 * - `GET /api/v1/merge-queue?repo=o/r`: every base's queue, oldest first, with each place
 *   (read permission; the repository counts as private);
 * - `POST /api/v1/merge-queue {repo, pull_request, cancel?}`: `/merge` (or `/merge cancel`) as
 *   the authenticated person (`trigger` scope; the merger checks write permission);
 * - `POST /api/v1/promotions {repo, sha, environment?}`: `slipway promote`, as that person.
 * Writes are queued for the merger and answered 202; a person, never the operator's token, acts.
 */
export function mergeRouter(deps: MergeRouteDeps): Router {
  const router = new Router({ prefix: '/api/v1' });

  router.get('/merge-queue', async (ctx) => {
    const repo = repoOf(String(ctx.query.repo ?? ''));
    if (!repo) return refuse(ctx, 400, 'bad-request', 'repo must be owner/name');
    if (!(await deps.access.canRead(principalOf(ctx), { ...repo, private: true })))
      return refuse(ctx, 404, 'not-found', 'no such repository, or you may not read it');
    const entries = await deps.mergeQueue.queued(`${repo.owner}/${repo.name}`);
    const queues: Record<string, unknown[]> = {};
    for (const base of [...new Set(entries.map((e) => e.base))].sort()) {
      queues[base] = (await deps.mergeQueue.list(`${repo.owner}/${repo.name}`, base)).map((e, index) => ({
        pull_request: e.number,
        sha: e.sha,
        by: e.by,
        queued_at: e.queuedAt,
        position: index + 1,
        ...(e.shown ? { status: e.shown } : {}),
        ...(e.rebases ? { rebases: e.rebases } : {}),
      }));
    }
    ctx.body = { repo: `${repo.owner}/${repo.name}`, queues };
  });

  router.post('/merge-queue', requireScope('trigger'), async (ctx) => {
    const body = ((await requestJson(ctx)) ?? {}) as { repo?: unknown; pull_request?: unknown; cancel?: unknown };
    const repo = repoOf(body.repo);
    if (!repo) return refuse(ctx, 400, 'bad-request', 'repo must be owner/name');
    if (!Number.isSafeInteger(body.pull_request) || (body.pull_request as number) <= 0)
      return refuse(ctx, 400, 'bad-request', 'pull_request must be a pull request number');
    const login = await person(ctx, deps, repo);
    if (!login) return;
    const job: MergeJob = {
      kind: 'command',
      owner: repo.owner,
      repo: repo.name,
      pullRequest: body.pull_request as number,
      user: login,
      command: body.cancel === true ? 'cancel' : 'merge',
      via: 'api',
      from: requestOrigin(ctx, principalOf(ctx)),
    };
    await deps.queues.add('merges', job, { jobId: safeJobId(`merge-api-${randomUUID()}`) });
    ctx.status = 202;
    ctx.body = { [job.command === 'merge' ? 'queueing' : 'cancelling']: job.pullRequest, by: login };
  });

  router.post('/promotions', requireScope('trigger'), async (ctx) => {
    const body = ((await requestJson(ctx)) ?? {}) as { repo?: unknown; sha?: unknown; environment?: unknown };
    const repo = repoOf(body.repo);
    if (!repo) return refuse(ctx, 400, 'bad-request', 'repo must be owner/name');
    if (typeof body.sha !== 'string' || !/^[0-9a-f]{40}$/.test(body.sha))
      return refuse(ctx, 400, 'bad-request', 'sha must be a full commit sha (40 hex digits)');
    if (body.environment !== undefined && typeof body.environment !== 'string')
      return refuse(ctx, 400, 'bad-request', 'environment must be a string');
    const login = await person(ctx, deps, repo);
    if (!login) return;
    await deps.queues.add(
      'merges',
      {
        kind: 'promote',
        owner: repo.owner,
        repo: repo.name,
        sha: body.sha,
        ...(body.environment ? { environment: body.environment } : {}),
        user: login,
        from: requestOrigin(ctx, principalOf(ctx)),
      },
      { jobId: safeJobId(`promote-${repo.owner}-${repo.name}-${body.sha}-${body.environment ?? ''}`) },
    );
    ctx.status = 202;
    ctx.body = { promoting: body.sha, by: login };
  });

  return router;
}

/** The login of the person asking, when they may write to the repository; else the answer is given and undefined. */
async function person(ctx: Context, deps: MergeRouteDeps, repo: { owner: string; name: string }) {
  const principal = principalOf(ctx);
  if (principal.kind !== 'user') {
    refuse(ctx, 403, 'forbidden', 'the merge queue takes a named person: use a personal token');
    return undefined;
  }
  if (!(await deps.access.canWrite(principal, repo))) {
    refuse(ctx, 404, 'not-found', 'no such repository, or you may not merge into it');
    return undefined;
  }
  return principal.login;
}

function repoOf(value: unknown): { owner: string; name: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const [owner, name, extra] = value.split('/');
  return extra === undefined && isRepoName(owner, name) ? { owner: owner!, name: name! } : undefined;
}
