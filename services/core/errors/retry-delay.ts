import type { SlipwayError } from './slipway-error.js';

/** No retry waits longer than this: GitHub's primary rate limit resets within the hour. */
export const MAX_RETRY_DELAY_MS = 3_600_000;

/**
 * How long a job waits before its next attempt: exponential from `baseDelayMs` (1×, 2×, 4× …
 * for attempts 1, 2, 3 …), and never less than the error's `retryAfterMs` when the peer said
 * when to come back. Called for transient errors only; permanent ones are not retried. Pure.
 */
export function retryDelayMs(attemptsMade: number, baseDelayMs: number, err: SlipwayError | undefined): number {
  const exponential = Math.round(baseDelayMs * 2 ** Math.max(0, attemptsMade - 1));
  const asked = err && 'retryAfterMs' in err && typeof err.retryAfterMs === 'number' ? err.retryAfterMs : 0;
  return Math.min(MAX_RETRY_DELAY_MS, Math.max(exponential, asked));
}
