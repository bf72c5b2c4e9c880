import type { GitHub } from '../shared/github.js';
import type { StatusLedger } from '../shared/ports/status-ledger.js';
import type { StatusJob } from '../shared/queues.js';

export interface ReporterDeps {
  github: GitHub;
  ledger: StatusLedger;
}

/**
 * Posts one commit status, only when it changes what GitHub shows, and never going
 * backwards: within a build, a late `pending` never replaces a final state. GitHub errors
 * are thrown, so BullMQ retries this job alone; the build is never run again for them.
 */
export async function processStatus(job: StatusJob, deps: ReporterDeps): Promise<'posted' | 'unchanged' | 'stale'> {
  const repo = { owner: job.owner, name: job.repo };
  const { status } = job;
  const last = await deps.ledger.last(repo, job.sha, status.context);
  if (last && last.buildId === job.buildId && last.seq > job.seq) return 'stale';
  if (
    last &&
    last.state === status.state &&
    last.description === status.description &&
    last.target_url === status.target_url
  ) {
    return 'unchanged';
  }
  await deps.github.createStatus(repo, job.sha, status);
  await deps.ledger.record(repo, job.sha, status.context, {
    buildId: job.buildId,
    seq: job.seq,
    state: status.state,
    description: status.description,
    ...(status.target_url !== undefined ? { target_url: status.target_url } : {}),
  });
  return 'posted';
}
