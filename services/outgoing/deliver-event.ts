import { randomUUID } from 'node:crypto';
import { hookBody, hookSignature } from '../core/outgoing/hook-payload.js';
import { PermanentError, TransientError } from '../core/errors/slipway-error.js';
import type { OutgoingHooks } from '../shared/ports/outgoing-hooks.js';
import type { PostJson } from '../shared/post-json.js';
import type { OutgoingJob } from '../shared/queues.js';

export interface DeliverDeps {
  hooks: OutgoingHooks;
  post: PostJson;
  publicUrl: string;
  now?: () => Date;
}

/**
 * Delivers one build event to one subscription: a POST of the event (or a Slack message),
 * signed `X-Slipway-Signature-256: sha256=HMAC(secret, body)` as GitHub signs its own, with
 * `X-Slipway-Event` (the kind) and `X-Slipway-Delivery` (one id for every attempt of the
 * delivery). Every attempt is recorded. A 2xx ends it; no answer, a 5xx, 408 or 429 is
 * thrown as transient (the queue retries with backoff); another 4xx is permanent. A removed
 * subscription delivers nothing.
 */
export async function deliverEvent(
  job: OutgoingJob,
  info: { id: string; attempt: number },
  deps: DeliverDeps,
): Promise<'delivered' | 'no subscription'> {
  const sub = await deps.hooks.get(job.subscriptionId);
  if (!sub) return 'no subscription';
  const body = hookBody(sub, job.event, deps.publicUrl);
  // One delivery id for all attempts of the job: the job id is stable, so derive it from that.
  const deliveryId = info.id ? info.id.replace(/^hook-/, '') : randomUUID();
  const result = await deps.post(sub.url, body, {
    'user-agent': 'Slipway-Hookshot',
    'x-slipway-event': job.event.kind,
    'x-slipway-delivery': deliveryId,
    'x-slipway-signature-256': hookSignature(sub.secret, body),
  });
  const ok = 'status' in result && result.status >= 200 && result.status < 300;
  await deps.hooks.record({
    id: deliveryId,
    subscriptionId: sub.id,
    event: job.event,
    at: (deps.now ?? (() => new Date()))().toISOString(),
    attempt: info.attempt,
    ...('status' in result ? { status: result.status } : { error: result.error }),
    ok,
    durationMs: result.durationMs,
    ...(job.redelivery ? { redelivery: true } : {}),
  });
  if (ok) return 'delivered';
  if ('error' in result) throw new TransientError('network', `${sub.url} did not answer: ${result.error}`);
  const { status } = result;
  if (status >= 500 || status === 408 || status === 429)
    throw new TransientError('unexpected', `${sub.url} answered ${status}`, { status });
  throw new PermanentError('unexpected', `${sub.url} answered ${status}: not retried`, { status });
}
