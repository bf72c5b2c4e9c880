import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { nestsDeeperThan } from '../core/trigger/json-depth.js';
import type { CheckButton } from '../core/trigger/map-check-event.js';
import { mapEvent, type CloneUrlRewrite } from '../core/trigger/map-event.js';
import { payloadProblem } from '../core/trigger/payload-problem.js';
import { buildIdFor } from '../core/plan/naming.js';
import type { GitHubInstallations } from '../shared/github-installations.js';
import type { Logger } from '../shared/logger.js';
import type { DeliveryLedger } from '../shared/ports/delivery-ledger.js';
import type { Queues } from '../shared/ports/queues.js';
import type { Stops } from '../shared/ports/stops.js';
import { safeJobId, type ApprovalJob, type MergeJob } from '../shared/queues.js';
import { mergeNudgeOf } from '../core/merge-queue/merge-nudge.js';
import { sha256 } from './auth/secrets.js';
import { closeAfterAnswer, readRawBody } from './read-body.js';

/** GitHub never sends more than 25 MB. */
export const MAX_WEBHOOK_BODY = 25 * 1024 * 1024;
/** No payload GitHub sends nests this deep. */
const MAX_DEPTH = 64;
/** GitHub keeps deliveries (and redelivers them) for 3 days: a body seen within that is a replay under another id. */
const REPLAY_WINDOW_MS = 3 * 24 * 3600_000;
const SIGNATURE = /^sha256=([0-9a-f]{64})$/;

export interface WebhookDeps {
  secret: string;
  queues: Queues;
  stops: Stops;
  deliveries: DeliveryLedger;
  cloneUrlRewrite: CloneUrlRewrite;
  logger: Logger;
  /** In App mode: which installation serves which repository, as webhooks say. */
  installations?: Pick<GitHubInstallations, 'remember' | 'forget'>;
}

/**
 * `POST /webhooks`. Before a byte of the body is read: a missing or malformed
 * `X-Hub-Signature-256` is 401, missing event headers 400, a `Content-Length` over 25 MB 413
 * (the connection then closes, so the body is never read). The body is read with a deadline,
 * its HMAC checked over the raw bytes (constant time), and only then decoded and parsed:
 * invalid UTF-8, JSON, deep nesting or fields of the wrong type are 400s that say what is wrong.
 * A body already delivered under another id within 3 days is a replay: 202, nothing done.
 * Then the event is mapped and queued under the delivery id (a redelivery is a no-op).
 */
export function webhookHandler(deps: WebhookDeps): (ctx: Context) => Promise<void> {
  const secret = Buffer.from(deps.secret, 'utf8');
  return async (ctx) => {
    const event = ctx.get('x-github-event');
    const delivery = ctx.get('x-github-delivery');
    const signature = ctx.get('x-hub-signature-256');
    if (!signature) return early(ctx, 401, 'missing X-Hub-Signature-256 header');
    const digest = SIGNATURE.exec(signature)?.[1];
    if (!digest) return early(ctx, 401, 'X-Hub-Signature-256 is not sha256=<64 hex digits>');
    if (!event || !delivery) return early(ctx, 400, 'missing X-GitHub-Event or X-GitHub-Delivery header');
    const read = await readRawBody(ctx, MAX_WEBHOOK_BODY);
    if (!read.ok) return reply(ctx, read.status, { error: read.error });
    const expected = createHmac('sha256', secret).update(read.body).digest();
    if (!timingSafeEqual(expected, Buffer.from(digest, 'hex'))) {
      deps.logger.warn('webhook refused: bad signature', { delivery, event });
      return reply(ctx, 401, { error: 'signature does not match the webhook secret' });
    }
    const parsed = parse(read.body);
    if ('error' in parsed) return reply(ctx, 400, { error: parsed.error });
    const problem = payloadProblem(event, parsed.payload);
    if (problem) return reply(ctx, 400, { error: `payload of "${event}" is not what GitHub sends: ${problem}` });
    if (event === 'ping') return reply(ctx, 200, { ok: true, zen: (parsed.payload as { zen?: string }).zen ?? null });

    let first: string;
    try {
      first = await deps.deliveries.claim(sha256(read.body), delivery, REPLAY_WINDOW_MS);
    } catch (err) {
      deps.logger.error('webhook not checked for replay', { delivery, err });
      return reply(ctx, 503, { error: 'could not record the delivery; redeliver later' });
    }
    if (first !== delivery) {
      deps.logger.warn('webhook ignored: a replay of an earlier delivery', { delivery, event, first });
      return reply(ctx, 202, { ignored: `this body was delivered before, as ${first}` });
    }
    await act(ctx, deps, event, delivery, parsed.payload);
    if (ctx.status < 300) await nudgeMergeQueue(deps, event, delivery, parsed.payload);
  };
}

async function act(ctx: Context, deps: WebhookDeps, event: string, delivery: string, payload: unknown): Promise<void> {
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
  if (decision.action === 'gate') {
    const job: ApprovalJob = {
      kind: 'gate',
      owner: decision.repo.owner,
      repo: decision.repo.name,
      pullRequest: decision.pullRequest,
      user: decision.user,
      decision: decision.decision,
      ...(decision.reason ? { reason: decision.reason } : {}),
      via: 'comment',
    };
    try {
      await deps.queues.add('approvals', job, { jobId: safeJobId(`gate-${delivery}`) });
    } catch (err) {
      deps.logger.error('manual test decision not queued', { delivery, err });
      return reply(ctx, 503, { error: 'could not queue the decision; redeliver later' });
    }
    return reply(ctx, 202, { gate: decision.decision, by: decision.user, pullRequest: decision.pullRequest });
  }
  if (decision.action === 'merge') {
    const job: MergeJob = {
      kind: 'command',
      owner: decision.repo.owner,
      repo: decision.repo.name,
      pullRequest: decision.pullRequest,
      user: decision.user,
      command: decision.command,
      via: 'comment',
    };
    try {
      await deps.queues.add('merges', job, { jobId: safeJobId(`merge-${delivery}`) });
    } catch (err) {
      deps.logger.error('merge command not queued', { delivery, err });
      return reply(ctx, 503, { error: 'could not queue the command; redeliver later' });
    }
    return reply(ctx, 202, { merge: decision.command, by: decision.user, pullRequest: decision.pullRequest });
  }
  if (decision.action === 'check-button') return checkButton(ctx, deps, delivery, decision.button);
  if (decision.action === 'installation') {
    const { change } = decision;
    for (const repo of change.repos)
      if (change.change === 'added') deps.installations?.remember(repo, change.installationId);
    if (change.change === 'removed') deps.installations?.forget(change.installationId);
    deps.logger.info(`GitHub App installation ${change.change === 'added' ? 'gained' : 'lost'} repositories`, {
      delivery,
      installation: change.installationId,
      repos: change.repos.map((r) => `${r.owner}/${r.name}`),
      reason: change.reason,
    });
    return reply(ctx, 202, { installation: change.installationId, [change.change]: change.repos.length });
  }
  if (decision.action === 'ignore') {
    deps.logger.info('webhook ignored', { delivery, event, reason: decision.reason });
    return reply(ctx, 202, { ignored: decision.reason });
  }
  if (decision.request.installationId !== undefined)
    deps.installations?.remember(decision.request.repo, decision.request.installationId);
  try {
    const receivedAt = new Date().toISOString();
    await deps.queues.add('requests', { request: decision.request, receivedAt }, { jobId: safeJobId(delivery) });
  } catch (err) {
    // Not accepted, so GitHub marks the delivery failed and it can be redelivered.
    deps.logger.error('webhook not queued', { delivery, err });
    return reply(ctx, 503, { error: 'could not queue the build request; redeliver later' });
  }
  deps.logger.info('webhook accepted', { delivery, event, sha: decision.request.sha });
  return reply(ctx, 202, { accepted: true, build: buildIdFor(decision.request.id) });
}

/**
 * A status, push, review or pull request change may move a merge queue: the merger looks at
 * the repository's queue heads again (a no-op when nothing is queued). When Redis does not
 * take it, the answer stands: a waiting head is looked at again on its own (delayed rechecks).
 */
async function nudgeMergeQueue(deps: WebhookDeps, event: string, delivery: string, payload: unknown): Promise<void> {
  const nudge = mergeNudgeOf(event, payload);
  if (!nudge) return;
  try {
    await deps.queues.add('merges', { kind: 'advance', ...nudge }, { jobId: safeJobId(`merge-nudge-${delivery}`) });
  } catch (err) {
    deps.logger.warn('merge queue check not queued; the queue is looked at again later', { delivery, err });
  }
}

/**
 * A button on the Checks tab: Approve deploy and Reject are decisions like `/approve` (the
 * approver applies the same rules, as the person who clicked); Re-run and Cancel go to the
 * approver too, which checks the clicker's permission. Nothing slow happens here.
 */
async function checkButton(ctx: Context, deps: WebhookDeps, delivery: string, button: CheckButton): Promise<void> {
  const job: ApprovalJob =
    button.kind !== 'rerun' && button.kind !== 'cancel'
      ? {
          kind: 'decision',
          owner: button.repo.owner,
          repo: button.repo.name,
          buildId: button.buildId,
          user: button.user,
          decision: button.kind,
          via: 'check_run',
          from: { ip: 'github', userAgent: "GitHub's Checks tab", via: 'check_run' },
        }
      : { kind: 'button', button, delivery };
  try {
    await deps.queues.add('approvals', job, { jobId: safeJobId(`button-${delivery}`) });
  } catch (err) {
    deps.logger.error('check button not queued', { delivery, err });
    return reply(ctx, 503, { error: 'could not queue the click; redeliver later' });
  }
  deps.logger.info('check button queued', { delivery, button: button.kind, user: button.user });
  return reply(ctx, 202, { button: button.kind, by: button.user });
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function parse(body: Buffer): { payload: unknown } | { error: string } {
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    return { error: 'body is not UTF-8' };
  }
  if (nestsDeeperThan(text, MAX_DEPTH)) return { error: `body nests deeper than ${MAX_DEPTH} levels` };
  try {
    return { payload: JSON.parse(text) };
  } catch {
    return { error: 'body is not valid JSON' };
  }
}

/** An answer given before the body was read: the connection closes after it. */
function early(ctx: Context, status: number, error: string): void {
  closeAfterAnswer(ctx);
  reply(ctx, status, { error });
}

function reply(ctx: Context, status: number, body: object): void {
  ctx.status = status;
  ctx.body = body;
}
