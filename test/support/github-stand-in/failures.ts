/**
 * Answers GitHub gives when it will not serve a request now, for {@link Dispatcher.failNext}:
 * the status, the headers and the error message GitHub sends (the body is GitHub's error
 * body, `{message, documentation_url, status}`, as the description's `basic-error`).
 */
export interface InjectedFailure {
  status: number;
  /** Response headers, names in lower case. */
  headers?: Record<string, string>;
  /** GitHub's `message`; default "Server Error". */
  message?: string;
  /** GitHub's `documentation_url`; default the operation's documentation. */
  documentationUrl?: string;
  /**
   * The request is carried out first and only its answer is lost: GitHub's front end timing
   * out (502, 504) on a write that went through. A client that retries blindly writes twice.
   */
  afterWrite?: boolean;
}

const RATE_LIMITS_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';

/**
 * The primary rate limit spent: 403 (or 429) with `x-ratelimit-remaining: 0` and the reset time
 * in epoch seconds, as GitHub answers a token or installation that used its hourly quota.
 */
export function rateLimitExceeded(resetAt: Date, status: 403 | 429 = 403): InjectedFailure {
  return {
    status,
    headers: {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': '5000',
      'x-ratelimit-reset': String(Math.floor(resetAt.getTime() / 1000)),
      'x-ratelimit-resource': 'core',
    },
    message: 'API rate limit exceeded for installation ID 4242.',
    documentationUrl: `${RATE_LIMITS_DOCS}#about-the-primary-rate-limit`,
  };
}

/** A secondary rate limit: 429 (or 403) with `Retry-After` in seconds and GitHub's message. */
export function secondaryRateLimit(retryAfterSeconds: number, status: 403 | 429 = 429): InjectedFailure {
  return {
    status,
    headers: { 'retry-after': String(retryAfterSeconds) },
    message:
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
      'If you reach out to GitHub Support for help, please include the request ID 0F6C:2B1E:1A2B3C:4D5E6F:65A1B2C3.',
    documentationUrl: `${RATE_LIMITS_DOCS}#about-secondary-rate-limits`,
  };
}

/** GitHub having trouble: 500, 502, 503 … with its error body. */
export function serverError(status = 502): InjectedFailure {
  return { status, message: status === 503 ? 'Service Unavailable' : 'Server Error' };
}

/** A write GitHub carried out whose answer was lost on the way: 502 (or another 5xx) after the fact. */
export function lostAnswer(status = 502): InjectedFailure {
  return { ...serverError(status), afterWrite: true };
}
