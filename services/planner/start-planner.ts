import type { Config } from '../shared/config.js';
import { createGitHub, githubAuthOf } from '../shared/github.js';
import type { Logger } from '../shared/logger.js';
import { approvalGate } from '../shared/approval-gate.js';
import { redisState } from '../shared/redis/redis-state.js';
import { startWorker, UnrecoverableError } from '../shared/redis/start-worker.js';
import type { Running } from '../shared/service.js';
import { specParser } from '../shared/spec-parser.js';
import { loadPolicy } from '../shared/repo-policy.js';
import { loadSecrets } from '../shared/secret-store.js';
import { processRequest } from './process-request.js';

/** Starts the planner's BullMQ worker on the requests queue. */
export function startPlanner(config: Config, logger: Logger): Running {
  const state = redisState(config.redisUrl, { logger, role: 'planner' });
  const deps = {
    github: createGitHub(config.githubApiUrl, githubAuthOf(config), logger),
    builds: state.builds,
    stops: state.stops,
    staging: state.staging,
    queues: state.queues,
    parse: specParser(),
    policyFor: loadPolicy(config.policyFile),
    secretsFor: loadSecrets(config.secretsFile),
    stepTimeoutMs: config.stepTimeoutMs,
    gitCredentials: Boolean(config.gitToken || config.githubApp),
    gate: approvalGate(state.approvals, state.queues),
    gitImage: config.gitImage,
    publicUrl: config.publicUrl,
    logger,
  };
  const worker = startWorker(
    'requests',
    config.redisUrl,
    async (job) => {
      try {
        return await processRequest(job, deps);
      } catch (err) {
        const status = (err as { status?: number }).status;
        // 401/403: Slipway's token cannot read the repository; retrying will not help.
        if (status === 401 || status === 403)
          throw new UnrecoverableError(`GitHub refused to read the spec (${status})`);
        throw err;
      }
    },
    { logger, failure: 'planning failed', concurrency: 4 },
  );
  return {
    async close() {
      await worker.close();
      await state.close();
    },
  };
}
