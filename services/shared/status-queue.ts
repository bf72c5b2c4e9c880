import type { RepoRef } from '../core/builds/types.js';
import { slug } from '../core/plan/naming.js';
import { stageStatus, type StatusLinks } from '../core/status/stage-status.js';
import type { SpecEvent, StageEvent } from '../core/status/types.js';
import type { Queues } from './ports/queues.js';
import type { StatusJob } from './queues.js';

/**
 * Events of one stage happen in this order; a status of a lower rank never replaces a higher
 * one. A stage held for a manual test waits after it ran: 2.5, between running and its end.
 */
export function rankOf(event: StageEvent | SpecEvent): number {
  if (event.state === 'verified') return event.verified ? 3 : 0;
  if (event.state === 'waiting' && event.held) return 2.5;
  const state = event.state;
  return state === 'queued' ? 0 : state === 'waiting' ? 1 : state === 'running' ? 2 : 3;
}

export function statusLinks(publicUrl: string, buildId: string): StatusLinks {
  const build = `${publicUrl}/builds/${buildId}`;
  return { build, stepLog: (key) => `${build}/steps/${key}/log` };
}

/**
 * Queues the commit status for a stage event. The job id names the build, the context, the
 * commit and the event's rank, so the same event reported twice (a re-run job) is posted once.
 */
export async function queueStatus(
  queues: Queues,
  target: { buildId: string; repo: RepoRef; sha: string; publicUrl: string },
  event: StageEvent | SpecEvent,
): Promise<void> {
  const status = stageStatus(event, statusLinks(target.publicUrl, target.buildId));
  const seq = rankOf(event);
  const job: StatusJob = {
    buildId: target.buildId,
    owner: target.repo.owner,
    repo: target.repo.name,
    sha: target.sha,
    status,
    seq,
  };
  // The sha too: one build may post the same context on several commits (slipway/up-to-date on each open PR).
  await queues.add('statuses', job, {
    jobId: `${target.buildId}-${slug(status.context)}-${target.sha.slice(0, 12)}-${seq}`,
  });
}
