import type { Redis } from 'ioredis';
import type { GitHub } from '../shared/github.js';
import type { DeploymentJob } from '../shared/queues.js';

const TTL = 90 * 24 * 3600;
const key = (job: DeploymentJob) => `slipway:deployment:${job.buildId}:${job.environment}`;

/**
 * Records one step of a deploy on GitHub: the first creates the deployment (once per build
 * and environment, even when the job runs again), each adds a deployment status, never one
 * older than what was posted.
 */
export async function processDeployment(
  job: DeploymentJob,
  deps: { github: GitHub; redis: Redis },
): Promise<'posted' | 'stale'> {
  const repo = { owner: job.owner, name: job.repo };
  const known = await deps.redis.hgetall(key(job));
  if (known.seq !== undefined && Number(known.seq) > job.seq) return 'stale';
  let id = known.id ? Number(known.id) : undefined;
  if (id === undefined) {
    id = await deps.github.createDeployment(repo, job.sha, job.environment, {
      production: job.production,
      description: `Slipway build ${job.buildId}`,
    });
    await deps.redis.multi().hset(key(job), 'id', String(id)).expire(key(job), TTL).exec();
  }
  await deps.github.createDeploymentStatus(repo, id, {
    state: job.state,
    description: job.description,
    logUrl: job.logUrl,
    ...(job.environmentUrl ? { environmentUrl: job.environmentUrl } : {}),
  });
  await deps.redis.hset(key(job), 'seq', String(job.seq));
  return 'posted';
}
