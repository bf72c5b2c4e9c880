import { pastWindow, REDELIVERY_WINDOW_MS, type HookDelivery } from '../core/reconcile/deliveries-to-redeliver.js';
import { hookName, type HookTarget } from '../core/reconcile/hook-target.js';
import { fromOctokit, type GitHubAuth } from './github.js';
import type { Logger } from './logger.js';
import { createOctokit, type OctokitOptions } from './octokit.js';

/**
 * One webhook's delivery log on GitHub: list the recent attempts, ask for one again. Every
 * error is a typed Slipway error (core/errors), as from `createGitHub`.
 */
export interface HookDeliveries {
  /** `app`, or `owner/repo#hookId`, for logs. */
  readonly name: string;
  /** Every attempt GitHub lists within its 3-day window, newest first (stops paging past it). */
  list(nowMs: number): Promise<HookDelivery[]>;
  /** `POST …/deliveries/{attemptId}/attempts`: GitHub sends the event again with its delivery id. */
  redeliver(attemptId: number): Promise<void>;
}

/** At most this many pages of 100 are read per pass (GitHub keeps 3 days; a busy hook has many). */
const MAX_PAGES = 50;

/**
 * The deliveries API of `target` through the one Octokit factory. The App's hook needs the
 * App's JWT, which @octokit/auth-app uses by itself for `/app/hook/*`; a repository hook
 * needs a token with admin:repo_hook (or the App's `repository_hooks` permission).
 */
export function createHookDeliveries(
  baseUrl: string,
  auth: GitHubAuth,
  target: HookTarget,
  options: OctokitOptions & { logger?: Logger } = {},
): HookDeliveries {
  const octokit = createOctokit(baseUrl, auth, options);
  const route =
    target.kind === 'app'
      ? { list: 'GET /app/hook/deliveries', redeliver: 'POST /app/hook/deliveries/{delivery_id}/attempts', params: {} }
      : {
          list: 'GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries',
          redeliver: 'POST /repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts',
          params: { owner: target.owner, repo: target.repo, hook_id: target.hookId },
        };
  return {
    name: hookName(target),
    async list(nowMs) {
      const found: HookDelivery[] = [];
      try {
        let pages = 0;
        for await (const page of octokit.paginate.iterator(route.list, { ...route.params, per_page: 100 })) {
          const items = (page.data as unknown as Array<Record<string, unknown>>).map(toHookDelivery);
          found.push(...items);
          pages += 1;
          const last = items.at(-1);
          if (!last || pastWindow(last, nowMs, REDELIVERY_WINDOW_MS) || pages >= MAX_PAGES) break;
        }
      } catch (err) {
        throw fromOctokit(err);
      }
      return found;
    },
    async redeliver(attemptId) {
      try {
        await octokit.request(route.redeliver, { ...route.params, delivery_id: attemptId });
      } catch (err) {
        throw fromOctokit(err);
      }
    },
  };
}

function toHookDelivery(item: Record<string, unknown>): HookDelivery {
  return {
    id: Number(item.id),
    guid: String(item.guid),
    deliveredAtMs: Date.parse(String(item.delivered_at)),
    statusCode: Number(item.status_code ?? 0),
    event: String(item.event),
    redelivery: item.redelivery === true,
  };
}
