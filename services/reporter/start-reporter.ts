import type { Config } from '../shared/config.js';
import { createGitHub, githubAuthOf } from '../shared/github.js';
import type { Logger } from '../shared/logger.js';
import { redisState } from '../shared/redis/redis-state.js';
import { startWorker } from '../shared/redis/start-worker.js';
import type { Running } from '../shared/service.js';
import { processDeployment } from './process-deployment.js';
import { processStatus } from './process-status.js';

/** Starts the reporter's BullMQ workers: statuses and deployments are posted one at a time, in queue order. */
export function startReporter(config: Config, logger: Logger): Running {
  const state = redisState(config.redisUrl, { logger, failFast: true, role: 'reporter' });
  const github = createGitHub(config.githubApiUrl, githubAuthOf(config), logger, {
    writeGapMs: config.githubWriteGapMs,
  });
  const statuses = startWorker(
    'statuses',
    config.redisUrl,
    async (job) => {
      const result = await processStatus(job, { github, ledger: state.statusLedger });
      if (result === 'posted') logger.info('status posted', { sha: job.sha, ...job.status });
      return result;
    },
    { logger, failure: 'status not posted', concurrency: 1 },
  );
  const deployments = startWorker(
    'deployments',
    config.redisUrl,
    async (job) => {
      const result = await processDeployment(job, { github, ledger: state.deploymentLedger });
      if (result === 'posted')
        logger.info('deployment status posted', {
          environment: job.environment,
          state: job.state,
          sha: job.sha,
        });
      return result;
    },
    { logger, failure: 'deployment not posted', concurrency: 1 },
  );
  return {
    async close() {
      await deployments.close();
      await statuses.close();
      await state.close();
    },
  };
}
