import { PermanentError, TransientError, type SlipwayError } from './slipway-error.js';

/** What a failed GitHub call gave, as plain values. */
export interface GitHubFailure {
  /** The HTTP status of GitHub's answer; 0 or undefined when none came (the connection failed). */
  status?: number;
  /** Response headers, names in lower case. */
  headers?: Record<string, string | number | undefined>;
  /** GitHub's `message`, or the connection error's. */
  message?: string;
  /** The system error code when the connection failed (ECONNRESET …). */
  code?: string;
  /** The current time, for `x-ratelimit-reset` and HTTP-date `Retry-After`. */
  nowMs: number;
}

/** GitHub's advice when a secondary rate limit comes without `Retry-After`: wait at least a minute. */
export const SECONDARY_RATE_LIMIT_WAIT_MS = 60_000;

const SECONDARY = /secondary rate limit|abuse detection/i;

/**
 * Decides what a failed GitHub call means. Rate limits (403 or 429 with
 * `x-ratelimit-remaining: 0`, or a "secondary rate limit" message) and 5xx pass; 401, 404,
 * 422 and any other 4xx are final. Pure.
 */
export function classifyGitHubFailure(failure: GitHubFailure): SlipwayError {
  const status = failure.status ?? 0;
  const said = failure.message ?? '';
  const options = { status };
  if (status === 0) {
    const code = failure.code && !said.includes(failure.code) ? failure.code : '';
    const why = [said, code && (said ? `(${code})` : code)].filter(Boolean).join(' ');
    return new TransientError('github-unreachable', `GitHub could not be reached${why ? `: ${why}` : ''}`);
  }
  const text = `GitHub answered ${status}${said ? `: ${said}` : ''}`;
  if (status === 403 || status === 429) {
    const limited = header(failure.headers, 'x-ratelimit-remaining') === '0';
    if (limited || SECONDARY.test(said) || status === 429) {
      const retryAfterMs = rateLimitWaitMs(failure, limited);
      const code = limited ? 'github-rate-limited' : 'github-secondary-rate-limit';
      return new TransientError(code, `${text} (retry in ${Math.ceil(retryAfterMs / 1000)} s)`, {
        status,
        retryAfterMs,
      });
    }
    return new PermanentError('github-forbidden', text, options);
  }
  if (status >= 500 || status === 408) return new TransientError('github-unavailable', text, options);
  if (status === 401) return new PermanentError('github-bad-credentials', text, options);
  if (status === 404) return new PermanentError('github-not-found', text, options);
  if (status === 410) return new PermanentError('github-gone', text, options);
  if (status === 422) return new PermanentError('github-validation', text, options);
  if (status === 400) return new PermanentError('github-bad-request', text, options);
  return new PermanentError('github-refused', text, options);
}

/**
 * How long GitHub asked us to wait: `Retry-After` (seconds or an HTTP date) when sent; for the
 * primary limit one second past `x-ratelimit-reset`; else a minute, as GitHub's docs advise.
 */
function rateLimitWaitMs(failure: GitHubFailure, limited: boolean): number {
  const retryAfter = header(failure.headers, 'retry-after');
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - failure.nowMs);
  }
  const reset = Number(header(failure.headers, 'x-ratelimit-reset'));
  if (limited && reset > 0) return Math.max(0, reset * 1000 - failure.nowMs) + 1000;
  return SECONDARY_RATE_LIMIT_WAIT_MS;
}

function header(headers: GitHubFailure['headers'], name: string): string | undefined {
  const value = headers?.[name];
  return value === undefined ? undefined : String(value).trim();
}
