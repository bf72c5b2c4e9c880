import type { Config } from '../shared/config.js';
import { isSlipwayError } from '../core/errors/slipway-error.js';
import { githubInstallations, routedGitHub } from '../shared/github-installations.js';
import type { Logger } from '../shared/logger.js';
import { approvalGate } from '../shared/approval-gate.js';
import { redisState } from '../shared/redis/redis-state.js';
import { startWorker } from '../shared/redis/start-worker.js';
import type { Running } from '../shared/service.js';
import { specParser } from '../shared/spec-parser.js';
import { loadPolicy } from '../shared/repo-policy.js';
import { loadSecrets } from '../shared/secret-store.js';
import { processRequest } from './process-request.js';
import { reportUnreadableSpec } from './spec-unreadable.js';

/** Starts the planner's BullMQ worker on the requests queue. */
export function startPlanner(config: Config, logger: Logger): Running {
  const state = redisState(config.redisUrl, { logger, role: 'planner' });
  const installations = githubInstallations(config.githubApiUrl, config.githubApp ?? { token: config.githubToken }, {
    logger,
  });
  const deps = {
    github: routedGitHub(installations),
    builds: state.builds,
    stops: state.stops,
    gates: state.gates,
    staging: state.staging,
    queues: state.queues,
    parse: specParser(),
    policyFor: loadPolicy(config.policyFile),
    secretsFor: loadSecrets(config.secretsFile),
    stepTimeoutMs: config.stepTimeoutMs,
    gitCredentials: Boolean(config.gitToken || config.githubApp),
    gate: approvalGate(state.approvals, state.queues, undefined, state.mergeQueue),
    gitImage: config.gitImage,
    publicUrl: config.publicUrl,
    logger,
  };
  const plan = async (job: Parameters<typeof processRequest>[0]) => {
    const { repo, installationId } = job.request;
    try {
      // The installation the webhook came from (else the repository's): its tokens read the spec and post statuses.
      return await processRequest(job, { ...deps, github: await installations.forRepo(repo, installationId) });
    } catch (err) {
      if (!isSlipwayError(err) || err.code !== 'github-app-not-installed') throw err;
      // Nothing can be posted to GitHub without an installation: the log line is the whole answer.
      logger.error(`not building ${repo.owner}/${repo.name}: ${err.message}`, {
        request: job.request.id,
        installationId,
      });
      return { buildId: '', outcome: 'app not installed' };
    }
  };
  const worker = startWorker('requests', config.redisUrl, plan, {
    logger,
    failure: 'planning failed',
    concurrency: 4,
    // A request taken by a planner that died is planned again once its lock lapses.
    lockDurationMs: config.planLockMs,
    stalledIntervalMs: Math.max(1_000, Math.floor(config.planLockMs / 2)),
    // GitHub refused the spec for good, or for longer than the retries: an `error` status says so.
    onGiveUp: async (job, err, { id }) => {
      const outcome = await reportUnreadableSpec(job, err, deps);
      if (outcome === 'reported') logger.info('spec unreadable, error status queued', { request: id });
    },
  });
  return {
    async close() {
      await worker.close();
      await state.close();
    },
  };
}
