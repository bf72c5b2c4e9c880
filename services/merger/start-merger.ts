import type { Config } from '../shared/config.js';
import { createGitHub, githubAuthOf } from '../shared/github.js';
import { createGitHubMerges } from '../shared/github-merges.js';
import type { Logger } from '../shared/logger.js';
import { redisState } from '../shared/redis/redis-state.js';
import { startWorker } from '../shared/redis/start-worker.js';
import { loadPolicy } from '../shared/repo-policy.js';
import type { Running } from '../shared/service.js';
import { specParser } from '../shared/spec-parser.js';
import { rewriteCloneUrl } from '../core/trigger/map-event.js';
import { gitRebaser } from './git-rebase.js';
import { processMerge } from './process-merge.js';

/**
 * Starts the merge queue's BullMQ worker. One job at a time: the queues have one writer, and
 * two fast-forwards of one base can never race.
 */
export function startMerger(config: Config, logger: Logger): Running {
  const state = redisState(config.redisUrl, { logger, role: 'merger' });
  const auth = githubAuthOf(config);
  const deps = {
    github: {
      ...createGitHub(config.githubApiUrl, auth, logger),
      ...createGitHubMerges(config.githubApiUrl, auth, logger),
    },
    mergeQueue: state.mergeQueue,
    queues: state.queues,
    audit: state.audit,
    logger,
    parseSpec: specParser(),
    policyFor: loadPolicy(config.policyFile),
    recheckMs: config.mergeRecheckMs,
    rebaser: gitRebaser(config.gitToken ? { token: config.gitToken } : {}),
    cloneUrlOf: (repo: { owner: string; name: string }) =>
      rewriteCloneUrl(
        `${config.gitBaseUrl.replace(/\/+$/, '')}/${repo.owner}/${repo.name}.git`,
        config.cloneUrlRewrite,
      ),
  };
  const worker = startWorker('merges', config.redisUrl, (job) => processMerge(job, deps), {
    logger,
    failure: 'merge queue job not processed',
    concurrency: 1,
  });
  return {
    async close() {
      await worker.close();
      await state.close();
    },
  };
}
