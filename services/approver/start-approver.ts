import { Queue } from 'bullmq';
import { ApprovalStore } from '../shared/approval-store.js';
import { RedisBuildStore } from '../shared/build-store.js';
import type { Config } from '../shared/config.js';
import { createGitHub, githubAuthOf } from '../shared/github.js';
import type { Logger } from '../shared/logger.js';
import { QUEUES, type ApprovalJob, type BuildJob } from '../shared/queues.js';
import { workerConnection } from '../shared/redis.js';
import { startWorker } from '../shared/start-worker.js';
import type { Running } from '../shared/service.js';
import { processApproval } from './process-approval.js';

/** Starts the approver's BullMQ worker: decisions and expiries of parked deploys, one at a time. */
export function startApprover(config: Config, logger: Logger): Running {
  const redis = workerConnection(config.redisUrl);
  const builds = new Queue<BuildJob>(QUEUES.builds, { connection: redis });
  const deps = {
    github: createGitHub(config.githubApiUrl, githubAuthOf(config), logger),
    approvals: new ApprovalStore(redis),
    store: new RedisBuildStore(redis),
    builds,
    logger,
  };
  const worker = startWorker<ApprovalJob>(QUEUES.approvals, config.redisUrl, (job) => processApproval(job.data, deps), {
    logger,
    failure: 'approval not processed',
    concurrency: 1,
  });
  return {
    async close() {
      await worker.close();
      await builds.close();
      redis.disconnect();
    },
  };
}
