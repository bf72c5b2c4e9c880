import type { Config } from '../shared/config.js';
import { githubInstallations, routedGitHub } from '../shared/github-installations.js';
import type { Logger } from '../shared/logger.js';
import { redisState } from '../shared/redis/redis-state.js';
import { startWorker } from '../shared/redis/start-worker.js';
import type { Running } from '../shared/service.js';
import { processApproval } from './process-approval.js';
import { requestRerun, type RerunInput } from '../shared/rerun.js';

/** Starts the approver's BullMQ worker: decisions and expiries of parked deploys, Checks tab buttons, one at a time. */
export function startApprover(config: Config, logger: Logger): Running {
  const state = redisState(config.redisUrl, { logger, role: 'approver' });
  const deps = {
    github: routedGitHub(
      githubInstallations(config.githubApiUrl, config.githubApp ?? { token: config.githubToken }, {
        logger,
        octokit: { writeGapMs: config.githubWriteGapMs },
      }),
    ),
    approvals: state.approvals,
    gates: state.gates,
    builds: state.builds,
    audit: state.audit,
    queues: state.queues,
    logger,
    // Re-run buttons take the API's path (contract B): the same re-run, audited as via check_run/check_suite.
    buttons: { stops: state.stops, rerun: (input: RerunInput) => requestRerun({ state }, input) },
  };
  const worker = startWorker('approvals', config.redisUrl, (job, { id }) => processApproval(job, deps, id), {
    logger,
    failure: 'approval not processed',
    concurrency: 1,
  });
  return {
    async close() {
      await worker.close();
      await state.close();
    },
  };
}
