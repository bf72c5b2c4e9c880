import type { SlipwayMetrics } from './metrics.js';

/** The part of Octokit's request hook this needs (`octokit.hook`). */
interface RequestHook {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Octokit's hook types its options per endpoint
  wrap(name: 'request', wrapper: (request: (options: any) => any, options: any) => Promise<any>): void;
}

interface Answer {
  status?: number;
  headers?: Record<string, string | number | undefined>;
  response?: { headers?: Record<string, string | number | undefined> };
}

/**
 * Counts every request an Octokit makes into `slipway_github_requests_total{method,outcome}`
 * (`2xx`, `3xx`, `4xx`, `5xx`, `rate-limited`, `unreachable`) and keeps the last
 * `x-ratelimit-remaining` per resource. Installed by `createOctokit`, around the throttling and
 * retry plugins: a call retried in place counts once, with its final outcome.
 */
export function meterGitHub(hook: RequestHook, metrics: SlipwayMetrics): void {
  hook.wrap('request', async (request, options) => {
    const method = String((options as { method?: string }).method ?? 'GET').toUpperCase();
    try {
      const answer = (await request(options)) as Answer;
      record(metrics, method, answer.status, answer.headers);
      return answer;
    } catch (err) {
      const failed = err as Answer;
      record(metrics, method, failed.status, failed.response?.headers);
      throw err;
    }
  });
}

function record(
  metrics: SlipwayMetrics,
  method: string,
  status: number | undefined,
  headers: Record<string, string | number | undefined> = {},
): void {
  const remaining = Number(headers['x-ratelimit-remaining']);
  const resource = String(headers['x-ratelimit-resource'] ?? 'core');
  if (headers['x-ratelimit-remaining'] !== undefined && Number.isFinite(remaining))
    metrics.githubRateLimitRemaining.set({ resource: /^[a-z_]{1,30}$/.test(resource) ? resource : 'other' }, remaining);
  metrics.githubRequests.inc({ method, outcome: outcomeOf(status, remaining) });
}

function outcomeOf(status: number | undefined, remaining: number): string {
  if (status === undefined || status === 0) return 'unreachable';
  if (status === 429 || (status === 403 && remaining === 0)) return 'rate-limited';
  return `${Math.floor(status / 100)}xx`;
}
