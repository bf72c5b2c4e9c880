import { Webhooks } from '@octokit/webhooks';
import { readBody } from './read-body.js';
import type { Context } from 'koa';
import { buildIdFor } from '../core/plan/naming.js';
import { mapEvent, type CloneUrlRewrite } from '../core/trigger/map-event.js';
import type { Logger } from '../shared/logger.js';
import type { Queues } from '../shared/ports/queues.js';
import type { Stops } from '../shared/ports/stops.js';
import { safeJobId, type ApprovalJob } from '../shared/queues.js';

/** GitHub never sends more than 25 MB. */
const MAX_BODY = 25 * 1024 * 1024;

export interface WebhookDeps {
  secret: string;
  queues: Queues;
  stops: Stops;
  cloneUrlRewrite: CloneUrlRewrite;
  logger: Logger;
}

/**
 * `POST /webhooks`: verifies the signature on the raw body, maps the event, enqueues the
 * request under the delivery id (a redelivery is a no-op) and answers 202 at once.
 */
export function webhookHandler(deps: WebhookDeps): (ctx: Context) => Promise<void> {
  const webhooks = new Webhooks({ secret: deps.secret });
  return async (ctx) => {
    const event = ctx.get('x-github-event');
    const delivery = ctx.get('x-github-delivery');
    const signature = ctx.get('x-hub-signature-256');
    const body = (await readBody(ctx, MAX_BODY))?.toString('utf8');
    if (body === undefined) return reply(ctx, 413, { error: `body larger than ${MAX_BODY} bytes` });
    if (!signature) return reply(ctx, 401, { error: 'missing X-Hub-Signature-256 header' });
    if (!(await verify(webhooks, body, signature))) {
      deps.logger.warn('webhook refused: bad signature', { delivery, event });
      return reply(ctx, 401, { error: 'signature does not match the webhook secret' });
    }
    if (!event || !delivery) return reply(ctx, 400, { error: 'missing X-GitHub-Event or X-GitHub-Delivery header' });
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return reply(ctx, 400, { error: 'body is not valid JSON' });
    }
    if (event === 'ping') return reply(ctx, 200, { ok: true, zen: (payload as { zen?: string }).zen ?? null });

    let decision;
    try {
      decision = mapEvent(event, delivery, payload, deps.cloneUrlRewrite);
    } catch (err) {
      return reply(ctx, 400, { error: `payload of "${event}" is not what GitHub sends: ${(err as Error).message}` });
    }
    if (decision.action === 'cancel') {
      const cancelled = await deps.stops.cancelLatest(decision.repo, decision.ref, decision.reason);
      deps.logger.info('webhook cancels a build', { delivery, event, build: cancelled, reason: decision.reason });
      return reply(ctx, 202, { cancelled: cancelled ?? null, reason: decision.reason });
    }
    if (decision.action === 'approval') {
      const job: ApprovalJob = {
        kind: 'decision',
        owner: decision.repo.owner,
        repo: decision.repo.name,
        pullRequest: decision.pullRequest,
        user: decision.user,
        decision: decision.decision,
        via: 'comment',
      };
      try {
        await deps.queues.add('approvals', job, { jobId: safeJobId(`approval-${delivery}`) });
      } catch (err) {
        deps.logger.error('approval not queued', { delivery, err });
        return reply(ctx, 503, { error: 'could not queue the decision; redeliver later' });
      }
      return reply(ctx, 202, { decision: decision.decision, by: decision.user, pullRequest: decision.pullRequest });
    }
    if (decision.action === 'ignore') {
      deps.logger.info('webhook ignored', { delivery, event, reason: decision.reason });
      return reply(ctx, 202, { ignored: decision.reason });
    }
    const jobId = safeJobId(delivery);
    try {
      await deps.queues.add('requests', { request: decision.request, receivedAt: new Date().toISOString() }, { jobId });
    } catch (err) {
      // Not accepted, so GitHub marks the delivery failed and it can be redelivered.
      deps.logger.error('webhook not queued', { delivery, err });
      return reply(ctx, 503, { error: 'could not queue the build request; redeliver later' });
    }
    deps.logger.info('webhook accepted', { delivery, event, sha: decision.request.sha });
    return reply(ctx, 202, { accepted: true, build: buildIdFor(decision.request.id) });
  };
}

function reply(ctx: Context, status: number, body: object): void {
  ctx.status = status;
  ctx.body = body;
}

async function verify(webhooks: Webhooks, body: string, signature: string): Promise<boolean> {
  try {
    return await webhooks.verify(body, signature);
  } catch {
    return false;
  }
}
