import type { Redis } from 'ioredis';
import type { GitHub } from '../shared/github.js';
import type { StatusJob } from '../shared/queues.js';

export interface ReporterDeps {
  github: GitHub;
  redis: Redis;
}

interface Posted {
  buildId: string;
  seq: number;
  state: string;
  description: string;
  target_url?: string;
}

const postedKey = (job: StatusJob) => `slipway:posted:${job.owner}/${job.repo}:${job.sha}:${job.status.context}`;

/**
 * Posts one commit status, only when it changes what GitHub shows, and never going
 * backwards: within a build, a late `pending` never replaces a final state. GitHub errors
 * are thrown, so BullMQ retries this job alone; the build is never run again for them.
 */
export async function processStatus(job: StatusJob, deps: ReporterDeps): Promise<'posted' | 'unchanged' | 'stale'> {
  const key = postedKey(job);
  const lastText = await deps.redis.get(key);
  const last = lastText ? (JSON.parse(lastText) as Posted) : undefined;
  if (last && last.buildId === job.buildId && last.seq > job.seq) return 'stale';
  const { status } = job;
  if (
    last &&
    last.state === status.state &&
    last.description === status.description &&
    last.target_url === status.target_url
  ) {
    return 'unchanged';
  }
  await deps.github.createStatus({ owner: job.owner, name: job.repo }, job.sha, status);
  const posted: Posted = {
    buildId: job.buildId,
    seq: job.seq,
    state: status.state,
    description: status.description,
    target_url: status.target_url,
  };
  await deps.redis.set(key, JSON.stringify(posted), 'EX', 90 * 24 * 3600);
  return 'posted';
}
