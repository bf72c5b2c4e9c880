import type { GitHub } from '../shared/github.js';
import type { DeploymentLedger } from '../shared/ports/deployment-ledger.js';
import type { DeploymentJob } from '../shared/queues.js';

/**
 * Records one step of a deploy on GitHub: the first creates the deployment (once per build
 * and environment, even when the job runs again or GitHub's answer to the create was lost),
 * each adds a deployment status, never one older than what was posted.
 */
export async function processDeployment(
  job: DeploymentJob,
  deps: { github: GitHub; ledger: DeploymentLedger },
): Promise<'posted' | 'stale'> {
  const repo = { owner: job.owner, name: job.repo };
  const known = await deps.ledger.get(job.buildId, job.environment);
  if (known.seq !== undefined && known.seq > job.seq) return 'stale';
  let id = known.id;
  if (id === undefined) {
    // Keyed by the build: a create whose answer was lost, or whose id this reporter died before
    // saving, is found again rather than made twice.
    const created = await deps.github.createDeployment(repo, job.sha, job.environment, {
      production: job.production,
      description: `Slipway build ${job.buildId}`,
      key: job.buildId,
    });
    id = await deps.ledger.saveId(job.buildId, job.environment, created);
  }
  await deps.github.createDeploymentStatus(repo, id, {
    state: job.state,
    description: job.description,
    logUrl: job.logUrl,
    ...(job.environmentUrl ? { environmentUrl: job.environmentUrl } : {}),
  });
  await deps.ledger.saveSeq(job.buildId, job.environment, job.seq);
  return 'posted';
}
