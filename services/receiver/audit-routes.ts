import Router from '@koa/router';
import { AUDIT_KINDS, type AuditKind } from '../core/audit/audit-entry.js';
import type { ApiDeps } from './api-routes.js';
import { refuse, requireScope } from './auth/index.js';

/**
 * `GET /audit` for admins (the `admin` scope: SLIPWAY_ADMINS, or the operator's token):
 * `?build=&repo=&actor=&kind=&since=&limit=` (newest `limit`, at most 10,000, oldest first),
 * as JSON `{entries}`, or as JSON lines with `?format=jsonl` (one entry a line, for export).
 */
export function auditRouter(deps: Pick<ApiDeps, 'audit'>): Router {
  const router = new Router();
  router.get('/audit', requireScope('admin'), async (ctx) => {
    const q = ctx.query;
    const one = (name: string) => (typeof q[name] === 'string' ? (q[name] as string) : undefined);
    const limit = Number(one('limit') ?? 1000);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
      return refuse(ctx, 400, 'bad-request', '"limit" must be a whole number from 1 to 10000');
    const since = one('since');
    if (since !== undefined && Number.isNaN(Date.parse(since)))
      return refuse(ctx, 400, 'bad-request', '"since" must be an ISO time');
    const kinds = (one('kind') ?? '').split(',').filter(Boolean);
    const unknown = kinds.filter((k) => !(AUDIT_KINDS as readonly string[]).includes(k));
    if (unknown.length) return refuse(ctx, 400, 'bad-request', `no audit kind ${unknown.join(', ')}`);
    const entries = await deps.audit.list({
      limit,
      ...(one('build') ? { buildId: one('build') } : {}),
      ...(one('repo') ? { repo: one('repo') } : {}),
      ...(one('actor') ? { actor: one('actor') } : {}),
      ...(since ? { since } : {}),
      ...(kinds.length ? { kinds: kinds as AuditKind[] } : {}),
    });
    if (one('format') === 'jsonl') {
      ctx.type = 'application/x-ndjson; charset=utf-8';
      ctx.set('content-disposition', 'attachment; filename="slipway-audit.jsonl"');
      ctx.body = entries.map((e) => `${JSON.stringify(e)}\n`).join('');
    } else ctx.body = { entries };
  });
  return router;
}
