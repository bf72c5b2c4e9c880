import { Queue } from 'bullmq';
import type { Config } from '../shared/config.js';
import { RedisBuildStore } from '../shared/build-store.js';
import { createGitHub, githubAuthOf } from '../shared/github.js';
import type { Logger } from '../shared/logger.js';
import { QUEUES, type ApprovalJob, type BuildJob, type RequestJob, type StatusJob } from '../shared/queues.js';
import { approvalGate } from '../shared/approval-gate.js';
import { ApprovalStore } from '../shared/approval-store.js';
import { workerConnection } from '../shared/redis.js';
import { startWorker } from '../shared/start-worker.js';
import type { Running } from '../shared/service.js';
import { specParser } from '../shared/spec-parser.js';
import { loadPolicy } from '../shared/repo-policy.js';
import { loadSecrets } from '../shared/secret-store.js';
import { processRequest } from './process-request.js';
import { reportUnreadableSpec } from './spec-unreadable.js';

/** Starts the planner's BullMQ worker on the requests queue. */
export function startPlanner(config: Config, logger: Logger): Running {
  const redis = workerConnection(config.redisUrl);
  const builds = new Queue<BuildJob>(QUEUES.builds, { connection: redis });
  const statuses = new Queue<StatusJob>(QUEUES.statuses, { connection: redis });
  const approvals = new Queue<ApprovalJob>(QUEUES.approvals, { connection: redis });
  const deps = {
    github: createGitHub(config.githubApiUrl, githubAuthOf(config), logger),
    store: new RedisBuildStore(redis),
    redis,
    parse: specParser(),
    policyFor: loadPolicy(config.policyFile),
    secretsFor: loadSecrets(config.secretsFile),
    stepTimeoutMs: config.stepTimeoutMs,
    gitCredentials: Boolean(config.gitToken || config.githubApp),
    gate: approvalGate(new ApprovalStore(redis), approvals),
    builds,
    statuses,
    gitImage: config.gitImage,
    publicUrl: config.publicUrl,
    logger,
  };
  const worker = startWorker<RequestJob>(QUEUES.requests, config.redisUrl, (job) => processRequest(job.data, deps), {
    logger,
    failure: 'planning failed',
    concurrency: 4,
    // GitHub refused the spec for good, or for longer than the retries: an `error` status says so.
    onGiveUp: async (job, err) => {
      const outcome = await reportUnreadableSpec(job.data, err, deps);
      if (outcome === 'reported') logger.info('spec unreadable, error status queued', { request: job.id });
    },
  });
  return {
    async close() {
      await worker.close();
      await builds.close();
      await statuses.close();
      await approvals.close();
      redis.disconnect();
    },
  };
}
