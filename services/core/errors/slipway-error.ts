/**
 * Slipway's error classes: every error that ends or retries a job is one of these, and says
 * whether trying again can help. Adapters (the GitHub client, the Docker backend) turn what
 * their library throws into one of them with the classifiers beside this file; the queue
 * worker reads `retryable` (a permanent error ends the job at once) and `retryAfterMs` (a
 * transient error that knows when to come back is not retried sooner).
 *
 * What is never an error: a bad spec (a final answer the planner records and reports) and a
 * step that exits non-zero (a StepOutcome, reported as `failure`).
 */

/** Stable names for what went wrong: logs and tests match on these, never on messages. */
export type ErrorCode =
  // GitHub refused for good.
  | 'github-bad-credentials'
  | 'github-forbidden'
  | 'github-not-found'
  | 'github-gone'
  | 'github-validation'
  | 'github-bad-request'
  | 'github-refused'
  // The repository has no installation of Slipway's GitHub App (never installed, or removed).
  | 'github-app-not-installed'
  // GitHub could not answer now.
  | 'github-rate-limited'
  | 'github-secondary-rate-limit'
  | 'github-unavailable'
  | 'github-unreachable'
  // The Docker Engine.
  | 'docker-bad-request'
  | 'docker-refused'
  | 'docker-conflict'
  | 'docker-daemon'
  | 'docker-unreachable'
  // Another reporter replica is posting the same check run: try again shortly.
  | 'check-run-busy'
  // A peer Slipway could not reach, when it is not known which.
  | 'network'
  // Redis took a write but no replica confirmed it (behind Sentinels, a failover could lose it).
  | 'redis-not-replicated'
  // A record kept changing under a read-change-write: others write it; the next try may land.
  | 'write-contended'
  // Anything not recognised: retried, because nothing says a retry cannot help.
  | 'unexpected';

export interface SlipwayErrorOptions {
  cause?: unknown;
  /** The HTTP status of the answer that caused it, when there was one. */
  status?: number;
}

/** The base class: a stable `code`, and whether a retry can help. */
export abstract class SlipwayError extends Error {
  abstract readonly retryable: boolean;
  readonly status: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: SlipwayErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status;
  }
}

/** Will fail the same way every time (bad credentials, no such repository, a rejected request): ends the job. */
export class PermanentError extends SlipwayError {
  readonly retryable = false;
}

/** Trouble that passes (network, 5xx, rate limits, a busy daemon): the job is retried with backoff. */
export class TransientError extends SlipwayError {
  readonly retryable = true;
  /** The soonest a retry can succeed, when the peer said so (`Retry-After`, `x-ratelimit-reset`). */
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: SlipwayErrorOptions & { retryAfterMs?: number } = {}) {
    super(code, message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isSlipwayError(err: unknown): err is SlipwayError {
  return err instanceof SlipwayError;
}
