import { createHash } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import type { Logger } from './logger.js';
import { meterGitHub } from './metrics/github-metrics.js';
import { metrics } from './metrics/metrics.js';

/**
 * How Slipway proves who it is to GitHub: a token, or a GitHub App installation (tokens minted
 * and refreshed by @octokit/auth-app).
 */
export type GitHubAuth =
  | { token: string }
  /** Without an installation, requests carry the App's JWT (the App's own endpoints only). */
  | { appId: string; privateKey: string; installationId?: number };

/**
 * Octokit as Probot builds it: throttling (GitHub's recommended pacing: one write at a time,
 * `writeGapMs` apart; rate limits waited out) and, inside it, retries of 5xx and broken connections.
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
  /**
   * The least time between the starts of two writes (POST, PATCH, PUT, DELETE), process-wide
   * for every Octokit made with the same value; writes never overlap. Default 1000: GitHub's
   * guidance for many writes ("wait at least one second between each request"). Set by
   * SLIPWAY_GITHUB_WRITE_GAP_MS; see docs/operations.md.
   */
  writeGapMs?: number;
}

/** GitHub's advice for mutating requests: one at a time, at least a second apart. */
export const DEFAULT_WRITE_GAP_MS = 1_000;

const PRIMARY = 'rate limit spent';

const writeGroups = new Map<number, Bottleneck.Group>();

/** The spacing of write starts per gap, shared by every Octokit of the process that uses it. */
function writeGroup(gapMs: number): Bottleneck.Group {
  let group = writeGroups.get(gapMs);
  if (!group) {
    // As @octokit/plugin-throttling's own write group, with the gap as given.
    group = new Bottleneck.Group({ id: `slipway-write-${gapMs}`, maxConcurrent: 1, minTime: gapMs, timeout: 120_000 });
    writeGroups.set(gapMs, group);
  }
  return group;
}

/**
 * One write at a time, process-wide: the throttling plugin only spaces the starts of writes,
 * so with a short gap two slow writes would overlap, which GitHub asks integrations not to do.
 */
const oneWriteAtATime = new Bottleneck({ maxConcurrent: 1 });

/**
 * Until when (epoch ms) GitHub said a credential's primary rate limit is spent, process-wide:
 * the planner's, reporter's and approver's clients of one token or installation share one limit,
 * so once one of them is told it is spent, the others wait for the reset too instead of asking
 * (GitHub: requests made while rate limited may get an integration banned).
 */
const spentUntil = new Map<string, number>();

/** Names a credential (never the token itself) and the GitHub it is for. */
function credentialKey(baseUrl: string, auth: GitHubAuth): string {
  const who =
    'appId' in auth
      ? `app:${auth.appId}:${auth.installationId ?? 'jwt'}`
      : `token:${createHash('sha256').update(auth.token).digest('hex').slice(0, 16)}`;
  return `${baseUrl} ${who}`;
}

/** Token exchanges are not writes (and an App's write may need one first). */
const AUTH_PATH =
  /^\/(app\/installations\/[^/]+\/access_tokens|applications\/[^/]+\/token(\/scoped)?|login\/oauth\/access_token)$/;

function isWrite(method: string, url: string): boolean {
  if (method === 'GET' || method === 'HEAD') return false;
  return !AUTH_PATH.test(new URL(url, 'http://github.test').pathname);
}

/**
 * The one place an Octokit is made: every GitHub call Slipway makes goes through one of these,
 * in token mode or App mode. Rate limits (403/429 with `x-ratelimit-remaining: 0`, secondary
 * limits with `Retry-After`) are waited out a bounded number of times by the throttling
 * plugin; 5xx by the retry plugin; what is still failing then is thrown for the caller to
 * classify (github.ts turns it into a typed error).
 */
export function createOctokit(baseUrl: string, auth: GitHubAuth, options: OctokitOptions = {}): SlipwayOctokit {
  const {
    logger,
    rateLimitRetries = 2,
    maxRateLimitWaitSeconds = 60,
    retries = 3,
    retryBaseMs = 1_000,
    writeGapMs = DEFAULT_WRITE_GAP_MS,
  } = options;
  const log = {
    debug: () => undefined,
    info: () => undefined,
    warn: (msg: string) => logger?.warn(`github: ${msg}`),
    // Failed requests are thrown and reported by the caller; Octokit's own line is noise.
    error: () => undefined,
  };
  const key = credentialKey(baseUrl, auth);
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      if (kind === PRIMARY) spentUntil.set(key, Math.max(spentUntil.get(key) ?? 0, Date.now() + retryAfter * 1000));
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
    throttle: {
      onRateLimit: onLimit(PRIMARY),
      onSecondaryRateLimit: onLimit('secondary rate limit'),
      write: writeGroup(writeGapMs),
    },
    // Rate limits (403, 429) are the throttling plugin's; the rest of 4xx never pass.
    retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451], retryAfterBaseValue: retryBaseMs, retries },
  };
  const octokit =
    'appId' in auth
      ? new PacedOctokit({ ...common, authStrategy: createAppAuth, auth })
      : new PacedOctokit({ ...common, auth: auth.token || undefined });
  octokit.hook.wrap('request', async (request, options) => {
    // Another client of this credential was told the limit is spent: wait for its reset here
    // (when short), rather than ask and be refused; a long one is asked, refused and left to the job queue.
    const wait = (spentUntil.get(key) ?? 0) - Date.now();
    if (wait > 0 && wait <= maxRateLimitWaitSeconds * 1000) await new Promise((resolve) => setTimeout(resolve, wait));
    return isWrite(options.method, options.url)
      ? oneWriteAtATime.schedule(async () => request(options))
      : request(options);
  });
  // Counted into this process's metrics: calls by outcome, the rate limit left.
  meterGitHub(octokit.hook, metrics());
  return octokit;
}
