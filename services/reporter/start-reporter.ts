import { Worker } from 'bullmq';
import type { Config } from '../shared/config.js';
import { createGitHub, githubAuthOf } from '../shared/github.js';
import type { Logger } from '../shared/logger.js';
import { QUEUES, type DeploymentJob, type StatusJob } from '../shared/queues.js';
import { clientConnection, workerConnection } from '../shared/redis.js';
import type { Running } from '../shared/service.js';
import { processDeployment } from './process-deployment.js';
import { processStatus } from './process-status.js';

/** Starts the reporter's BullMQ worker: statuses are posted one at a time, in queue order. */
export function startReporter(config: Config, logger: Logger): Running {
  const redis = clientConnection(config.redisUrl);
  const github = createGitHub(config.githubApiUrl, githubAuthOf(config), logger);
  const workerRedis = workerConnection(config.redisUrl);
  const worker = new Worker<StatusJob>(
    QUEUES.statuses,
    async (job) => {
      const result = await processStatus(job.data, { github, redis });
      if (result === 'posted') logger.info('status posted', { sha: job.data.sha, ...job.data.status });
      return result;
    },
    { connection: workerRedis, concurrency: 1 },
  );
  worker.on('failed', (job, err) => logger.warn('status not posted, will retry', { job: job?.id, attempt: job?.attemptsMade, err }));
  const deploymentsRedis = workerConnection(config.redisUrl);
  const deployments = new Worker<DeploymentJob>(
    QUEUES.deployments,
    async (job) => {
      const result = await processDeployment(job.data, { github, redis });
      if (result === 'posted') logger.info('deployment status posted', { environment: job.data.environment, state: job.data.state, sha: job.data.sha });
      return result;
    },
    { connection: deploymentsRedis, concurrency: 1 },
  );
  deployments.on('failed', (job, err) => logger.warn('deployment not posted, will retry', { job: job?.id, attempt: job?.attemptsMade, err }));
  return {
    async close() {
      await deployments.close();
      deploymentsRedis.disconnect();
      await worker.close();
      workerRedis.disconnect();
      redis.disconnect();
    },
  };
}
