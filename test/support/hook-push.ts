import type { DeliveryAttempt, GitHubStandIn } from './github-stand-in.js';
import { pushPayload } from './webhook-payloads.js';

/**
 * Delivers a push of `branch` (created, at `sha`) of `owner/repo` through the stand-in's hook
 * `hookId`, as GitHub would; resolves with the attempt recorded (its status, 0 when nothing
 * answered). The clone URL is github.com's, for Slipway to rewrite to the stand-in's daemon.
 */
export function deliverPush(
  standIn: GitHubStandIn,
  hookId: number,
  push: { owner: string; repo: string; branch: string; sha: string },
): Promise<DeliveryAttempt> {
  const payload = pushPayload({
    owner: push.owner,
    repo: push.repo,
    cloneUrl: `https://github.com/${push.owner}/${push.repo}.git`,
    branch: push.branch,
    before: '0'.repeat(40),
    after: push.sha,
  });
  return standIn.deliverWebhook(hookId, 'push', payload);
}
