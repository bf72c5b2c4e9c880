import type { CommitStatus } from '../status/types.js';
import type { CheckRunDraft } from './types.js';

/**
 * A check about the commit rather than a stage of a build (`slipway/up-to-date`,
 * `slipway/staging-verified`, `slipway/merge-queue`, a deploy refused before it ran) as a
 * check run beside its status: success and failure as they are, an infrastructure error as
 * failure, pending as in progress. Pure.
 */
export function statusCheckRun(
  status: CommitStatus,
  target: { buildId: string; sha: string; detailsUrl: string },
): CheckRunDraft {
  const completed = status.state !== 'pending';
  return {
    name: status.context,
    headSha: target.sha,
    externalId: target.buildId,
    detailsUrl: status.target_url ?? target.detailsUrl,
    status: completed ? 'completed' : 'in_progress',
    ...(completed ? { conclusion: status.state === 'success' ? 'success' : 'failure' } : {}),
    output: {
      title: status.description || status.context,
      summary: `${status.description}\n\nPosted by Slipway build [${target.buildId}](${target.detailsUrl}).`,
    },
    annotations: [],
    actions: [],
  };
}
