import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Logger } from './logger.js';
import { meterGitHub } from './metrics/github-metrics.js';
import { metrics } from './metrics/metrics.js';

/**
 * How Slipway proves who it is to GitHub: a token, or a GitHub App installation (tokens minted
 * and refreshed by @octokit/auth-app).
 */
export type GitHubAuth = { token: string } | { appId: string; privateKey: string; installationId: number };

/**
 * Octokit as Probot builds it: throttling (GitHub's recommended pacing: one write at a time, a
 * second apart; rate limits waited out) and, inside it, retries of 5xx and broken connections.
 */
const PacedOctokit = Octokit.plugin(throttling, retry);
export type SlipwayOctokit = InstanceType<typeof PacedOctokit>;

export interface OctokitOptions {
  logger?: Logger;
  /** How many times a rate-limited request is waited out in place before the error surfaces (default 2). */
  rateLimitRetries?: number;
  /**
   * The longest wait, in seconds, a rate-limited request is held for in place (default 60). A
   * longer one surfaces at once as a transient error with its delay, so the job queue waits instead of a worker.
   */
  maxRateLimitWaitSeconds?: number;
  /** Retries of 5xx and broken connections (default 3), after 1, 4, 9 … × `retryBaseMs` (default 1000). */
  retries?: number;
  retryBaseMs?: number;
}

/**
 * The one place an Octokit is made: every GitHub call Slipway makes goes through one of these,
 * in token mode or App mode. Rate limits (403/429 with `x-ratelimit-remaining: 0`, secondary
 * limits with `Retry-After`) are waited out a bounded number of times by the throttling
 * plugin; 5xx by the retry plugin; what is still failing then is thrown for the caller to
 * classify (github.ts turns it into a typed error).
 */
export function createOctokit(baseUrl: string, auth: GitHubAuth, options: OctokitOptions = {}): SlipwayOctokit {
  const { logger, rateLimitRetries = 2, maxRateLimitWaitSeconds = 60, retries = 3, retryBaseMs = 1_000 } = options;
  const log = {
    debug: () => undefined,
    info: () => undefined,
    warn: (msg: string) => logger?.warn(`github: ${msg}`),
    // Failed requests are thrown and reported by the caller; Octokit's own line is noise.
    error: () => undefined,
  };
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const waitHere = retryCount < rateLimitRetries && retryAfter <= maxRateLimitWaitSeconds;
      logger?.warn(`github: ${kind} on ${request.method} ${request.url}`, {
        retryAfterSeconds: retryAfter,
        retryCount,
        action: waitHere ? 'waiting, then retrying' : 'leaving the retry to the job queue',
      });
      return waitHere;
    };
  const common = {
    baseUrl,
    userAgent: 'slipway',
    log,
    throttle: { onRateLimit: onLimit('rate limit spent'), onSecondaryRateLimit: onLimit('secondary rate limit') },
    // Rate limits (403, 429) are the throttling plugin's; the rest of 4xx never pass.
    retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451], retryAfterBaseValue: retryBaseMs, retries },
  };
  const octokit =
    'appId' in auth
      ? new PacedOctokit({ ...common, authStrategy: createAppAuth, auth })
      : new PacedOctokit({ ...common, auth: auth.token || undefined });
  // Counted into this process's metrics: calls by outcome, the rate limit left.
  meterGitHub(octokit.hook, metrics());
  return octokit;
}
