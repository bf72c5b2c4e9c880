import type { Middleware } from 'koa';
import type { SlipwayMetrics } from '../shared/metrics/metrics.js';

/** GitHub's event names are lower-case words with underscores; anything else is not counted by name. */
const EVENT_NAME = /^[a-z_]{1,40}$/;

/**
 * Counts every `POST /webhooks` by event and outcome, from what the webhook route answered:
 * `accepted` (a build request queued), `decision` (an approval comment), `cancelled` (a closed
 * pull request), `ignored` (nothing to build, a replay), `ping`, `refused` (401: no or a wrong
 * signature), `invalid` (other 4xx), `unavailable` (503: Redis could not take it), `error`.
 * The event label is GitHub's only for signed deliveries; an unsigned post says `unverified`,
 * so nobody can grow the label set by posting made-up event names.
 */
export function webhookMetrics(metrics: SlipwayMetrics): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== '/webhooks') return next();
    try {
      await next();
    } finally {
      const header = ctx.get('x-github-event');
      // Refusals before or at the signature check may carry any header; what got further was signed.
      const signed = ctx.status < 400 || ctx.status === 503;
      const event = signed && EVENT_NAME.test(header) ? header : signed ? 'unknown' : 'unverified';
      metrics.webhooks.inc({ event, outcome: outcomeOf(ctx.status, ctx.body) });
    }
  };
}

function outcomeOf(status: number, body: unknown): string {
  const said = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (status === 202) {
    if ('accepted' in said) return 'accepted';
    if ('decision' in said) return 'decision';
    if ('cancelled' in said) return 'cancelled';
    return 'ignored';
  }
  if (status === 200) return 'ping';
  if (status === 401) return 'refused';
  if (status === 503) return 'unavailable';
  if (status >= 400 && status < 500) return 'invalid';
  return 'error';
}
