import { hostname } from 'node:os';
import type { Config } from '../shared/config.js';
import { githubInstallations } from '../shared/github-installations.js';
import type { Logger } from '../shared/logger.js';
import { redisState } from '../shared/redis/redis-state.js';
import { startWorker } from '../shared/redis/start-worker.js';
import type { Running } from '../shared/service.js';
import { processChecks } from './process-checks.js';
import { processDeployment } from './process-deployment.js';
import { processStatus } from './process-status.js';

/**
 * Starts the reporter's BullMQ workers: statuses and deployments are posted one at a time, in
 * queue order, each as the build's installation in App mode. In App mode each status job also
 * brings the build's check runs up to date, and SLIPWAY_STATUSES=off leaves the statuses out.
 */
export function startReporter(config: Config, logger: Logger): Running {
  const state = redisState(config.redisUrl, { logger, failFast: true, role: 'reporter' });
  const installations = githubInstallations(config.githubApiUrl, config.githubApp ?? { token: config.githubToken }, {
    logger,
    octokit: { writeGapMs: config.githubWriteGapMs },
  });
  const replica = `${hostname()}-${process.pid}`;
  const clientFor = async (job: { owner: string; repo: string; buildId: string }) => {
    const record = await state.builds.get(job.buildId);
    return installations.forRepo({ owner: job.owner, name: job.repo }, record?.request.installationId);
  };
  const statuses = startWorker(
    'statuses',
    config.redisUrl,
    async (job) => {
      const github = await clientFor(job);
      let result = 'not posted (SLIPWAY_STATUSES=off)';
      if (config.statuses || !installations.appMode) {
        result = await processStatus(job, { github, ledger: state.statusLedger });
        if (result === 'posted') logger.info('status posted', { sha: job.sha, ...job.status });
      }
      if (installations.appMode) {
        const { posted } = await processChecks(job, {
          github,
          ledger: state.checkLedger,
          builds: state.builds,
          logs: state.logs,
          publicUrl: config.publicUrl,
          replica,
        });
        if (posted > 0) logger.info('check runs posted', { buildId: job.buildId, sha: job.sha, requests: posted });
      }
      return result;
    },
    { logger, failure: 'status not posted', concurrency: 1 },
  );
  const deployments = startWorker(
    'deployments',
    config.redisUrl,
    async (job) => {
      const result = await processDeployment(job, { github: await clientFor(job), ledger: state.deploymentLedger });
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
