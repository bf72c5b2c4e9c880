import type { Config } from '../shared/config.js';
import { createGitHub, githubAuthOf } from '../shared/github.js';
import type { Logger } from '../shared/logger.js';
import { QUEUES, type DeploymentJob, type StatusJob } from '../shared/queues.js';
import { clientConnection } from '../shared/redis.js';
import { startWorker } from '../shared/start-worker.js';
import type { Running } from '../shared/service.js';
import { processDeployment } from './process-deployment.js';
import { processStatus } from './process-status.js';

/** Starts the reporter's BullMQ workers: statuses and deployments are posted one at a time, in queue order. */
export function startReporter(config: Config, logger: Logger): Running {
  const redis = clientConnection(config.redisUrl);
  const github = createGitHub(config.githubApiUrl, githubAuthOf(config), logger);
  const statuses = startWorker<StatusJob>(
    QUEUES.statuses,
    config.redisUrl,
    async (job) => {
      const result = await processStatus(job.data, { github, redis });
      if (result === 'posted') logger.info('status posted', { sha: job.data.sha, ...job.data.status });
      return result;
    },
    { logger, failure: 'status not posted', concurrency: 1 },
  );
  const deployments = startWorker<DeploymentJob>(
    QUEUES.deployments,
    config.redisUrl,
    async (job) => {
      const result = await processDeployment(job.data, { github, redis });
      if (result === 'posted')
        logger.info('deployment status posted', {
          environment: job.data.environment,
          state: job.data.state,
          sha: job.data.sha,
        });
      return result;
    },
    { logger, failure: 'deployment not posted', concurrency: 1 },
  );
  return {
    async close() {
      await deployments.close();
      await statuses.close();
      redis.disconnect();
    },
  };
}
