import { Queue, Worker, type Job } from 'bullmq';
import { BuildStore } from '../shared/build-store.js';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { QUEUES, type BuildJob, type StatusJob } from '../shared/queues.js';
import { workerConnection } from '../shared/redis.js';
import type { Running } from '../shared/service.js';
import { queueStatus } from '../shared/status-queue.js';
import { SwarmBackend } from './backend/swarm-backend.js';
import type { Backend } from './backend/types.js';
import { runBuild, type RuntimeDeps } from './run-build.js';

/**
 * Starts the executor's BullMQ worker on the builds queue. A job whose executor died is
 * picked up again as stalled and `runBuild` re-attaches to what is running.
 */
export function startExecutor(config: Config, logger: Logger, backend: Backend = new SwarmBackend()): Running {
  const redis = workerConnection(config.redisUrl);
  const store = new BuildStore(redis);
  const statuses = new Queue<StatusJob>(QUEUES.statuses, { connection: redis });
  const reporterFor = (job: BuildJob) => {
    const { plan } = job;
    const target = { buildId: plan.buildId, repo: plan.request.repo, sha: plan.request.sha, publicUrl: config.publicUrl };
    const report: RuntimeDeps['report'] = (event) => queueStatus(statuses, target, event);
    return report;
  };
  const workerRedis = workerConnection(config.redisUrl);
  const worker = new Worker<BuildJob>(
    QUEUES.builds,
    (job) =>
      runBuild(job.data.plan, {
        backend,
        store,
        report: reporterFor(job.data),
        schedulingTimeoutMs: config.schedulingTimeoutMs,
        stepTimeoutMs: config.stepTimeoutMs,
        logger,
      }),
    { connection: workerRedis, concurrency: config.executorConcurrency, lockDuration: 60_000, maxStalledCount: 5 },
  );
  worker.on('failed', (job, err) => {
    if (!job) return;
    logger.error('build run failed', { build: job.id, attempt: job.attemptsMade, err });
    if (job.attemptsMade >= (job.opts.attempts ?? 1)) void giveUp(job, err, store, reporterFor(job.data), logger);
  });
  return {
    async close() {
      await worker.close();
      workerRedis.disconnect();
      await statuses.close();
      redis.disconnect();
    },
  };
}

/** Retries are spent: every stage that did not finish ends in `error`, with the reason. */
async function giveUp(job: Job<BuildJob>, err: Error, store: BuildStore, report: RuntimeDeps['report'], logger: Logger): Promise<void> {
  const { plan } = job.data;
  const record = await store.get(plan.buildId);
  const reason = `Slipway could not run the build: ${err.message}`;
  try {
    for (const stage of plan.stages) {
      const rec = record?.stages.find((s) => s.name === stage.name);
      if (rec && ['success', 'failure', 'error', 'skipped'].includes(rec.state)) continue;
      if (rec) rec.state = 'error';
      await report({ stage: stage.name, state: 'error', reason });
    }
    if (record) await store.put({ ...record, state: 'error', finishedAt: new Date().toISOString() });
  } catch (e) {
    logger.error('could not report the failed build', { build: plan.buildId, err: e });
  }
}
