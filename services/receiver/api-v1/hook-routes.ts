import Router from '@koa/router';
import { randomBytes, randomUUID } from 'node:crypto';
import { BUILD_EVENT_KINDS, type BuildEventKind } from '../../core/builds/build-event.js';
import { publicSubscription, type HookSubscription } from '../../core/outgoing/hook-subscription.js';
import type { OutgoingHooks } from '../../shared/ports/outgoing-hooks.js';
import type { Queues } from '../../shared/ports/queues.js';
import { actorOf, principalOf, refuse, requireScope } from '../auth/index.js';
import { requestJson } from '../request-body.js';

/**
 * Outgoing webhooks, for admins (`admin` scope): `POST /hooks {url, secret?, repo?, org?,
 * installation?, kinds?, format?}` subscribes (the secret is shown once: given, or made),
 * `GET /hooks`, `DELETE /hooks/{id}`, `GET /hooks/{id}/deliveries` (the last attempts, newest
 * first) and `POST /hooks/{id}/deliveries/{delivery}/redeliver`.
 */
export function hookRouter(deps: { hooks: OutgoingHooks; queues: Queues }): Router {
  const router = new Router();
  router.use('/hooks', requireScope('admin'));

  router.post('/hooks', async (ctx) => {
    const body = (await requestJson(ctx)) ?? {};
    const made = subscriptionOf(body, actorOf(principalOf(ctx)));
    if (typeof made === 'string') return refuse(ctx, 400, 'bad_request', made);
    await deps.hooks.add(made);
    ctx.status = 201;
    ctx.body = { ...publicSubscription(made), secret: made.secret };
  });

  router.get('/hooks', async (ctx) => {
    ctx.body = { hooks: (await deps.hooks.list()).map(publicSubscription) };
  });

  router.delete('/hooks/:id', async (ctx) => {
    if (!(await deps.hooks.remove(ctx.params.id!))) return refuse(ctx, 404, 'not_found', 'no such hook');
    ctx.status = 204;
  });

  router.get('/hooks/:id/deliveries', async (ctx) => {
    if (!(await deps.hooks.get(ctx.params.id!))) return refuse(ctx, 404, 'not_found', 'no such hook');
    ctx.body = { deliveries: await deps.hooks.deliveries(ctx.params.id!, 100) };
  });

  router.post('/hooks/:id/deliveries/:delivery/redeliver', async (ctx) => {
    const { id, delivery } = ctx.params as { id: string; delivery: string };
    const found = (await deps.hooks.deliveries(id, 100)).find((d) => d.id === delivery);
    if (!found) return refuse(ctx, 404, 'not_found', 'no such delivery');
    const jobId = `hook-redelivery-${randomUUID()}`;
    await deps.queues.add('outgoing', { subscriptionId: id, event: found.event, redelivery: true }, { jobId });
    ctx.status = 202;
    ctx.body = { redelivering: delivery, delivery: jobId.replace(/^hook-/, '') };
  });
  return router;
}

function subscriptionOf(body: Record<string, unknown>, by: string): HookSubscription | string {
  const { url, secret, repo, org, installation, kinds, format } = body;
  if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/.test(url) || !URL.canParse(url))
    return '"url" must be an http(s) URL';
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < 16))
    return '"secret" must be a string of at least 16 characters';
  if (repo !== undefined && (typeof repo !== 'string' || !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo)))
    return '"repo" must be "owner/name"';
  if (org !== undefined && (typeof org !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(org)))
    return '"org" must be an organisation login';
  if (installation !== undefined && !Number.isInteger(installation)) return '"installation" must be an installation id';
  if (
    kinds !== undefined &&
    (!Array.isArray(kinds) || kinds.some((k) => !(BUILD_EVENT_KINDS as readonly unknown[]).includes(k)))
  )
    return `"kinds" must be a list of ${BUILD_EVENT_KINDS.join(', ')}`;
  if (format !== undefined && format !== 'json' && format !== 'slack') return '"format" must be "json" or "slack"';
  return {
    id: `hook-${randomUUID().slice(0, 8)}`,
    url,
    secret: typeof secret === 'string' ? secret : randomBytes(24).toString('base64url'),
    ...(typeof repo === 'string' ? { repo } : {}),
    ...(typeof org === 'string' ? { org } : {}),
    ...(typeof installation === 'number' ? { installation } : {}),
    ...(Array.isArray(kinds) && kinds.length ? { kinds: kinds as BuildEventKind[] } : {}),
    format: format === 'slack' ? 'slack' : 'json',
    createdAt: new Date().toISOString(),
    createdBy: by,
  };
}
