import { isFinal } from '../core/builds/types.js';
import type { SlipwayError } from '../core/errors/slipway-error.js';
import { Queue, type Job } from 'bullmq';
import { stageLabel } from '../core/plan/stage-label.js';
import { RedisBuildStore, type BuildStore } from '../shared/build-store.js';
import { CANCEL_CHANNEL, cancelReason, supersededReason } from '../shared/cancel.js';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import {
  JOB_OPTIONS,
  QUEUES,
  type ApprovalJob,
  type BuildJob,
  type DeploymentJob,
  type StatusJob,
} from '../shared/queues.js';
import { ApprovalStore } from '../shared/approval-store.js';
import { gitTokenSource, githubAuthOf } from '../shared/github.js';
import { approvalGate } from '../shared/approval-gate.js';
import { workerConnection } from '../shared/redis.js';
import { startWorker } from '../shared/start-worker.js';
import { loadSecrets } from '../shared/secret-store.js';
import type { Running } from '../shared/service.js';
import { queueStatus, statusLinks } from '../shared/status-queue.js';
import { slug } from '../core/plan/naming.js';
import { STAGING } from '../core/plan/staging-check.js';
import { markStagingVerified } from '../shared/staging-verified.js';
import { SwarmBackend } from './backend/swarm-backend.js';
import type { Backend } from './backend/types.js';
import { RedisLocks } from './redis-locks.js';
import { reap } from './reap.js';
import { runBuild, type RuntimeDeps } from './run-build.js';
import { typedBackend } from './typed-backend.js';

/**
 * Starts the executor: first the reaper (removes what a dead executor left of finished
 * builds), then the BullMQ worker on the builds queue. A job whose executor died is picked
 * up again as stalled once its lock expires, and `runBuild` re-attaches to what is running.
 */
export async function startExecutor(
  config: Config,
  logger: Logger,
  engine: Backend = new SwarmBackend(undefined, { volumeDriver: config.volumeDriver, instance: config.instance }),
): Promise<Running> {
  const backend = typedBackend(engine);
  const redis = workerConnection(config.redisUrl);
  const subscriber = workerConnection(config.redisUrl);
  const store = new RedisBuildStore(redis);
  const statuses = new Queue<StatusJob>(QUEUES.statuses, { connection: redis });
  const deployments = new Queue<DeploymentJob>(QUEUES.deployments, { connection: redis });
  const deploymentReporterFor = (job: BuildJob): RuntimeDeps['deployment'] => {
    const { plan } = job;
    return async (event) => {
      const seq = event.state === 'in_progress' ? 0 : 1;
      const data: DeploymentJob = {
        buildId: plan.buildId,
        owner: plan.request.repo.owner,
        repo: plan.request.repo.name,
        sha: plan.request.sha,
        environment: event.environment,
        production: event.production,
        state: event.state,
        description: event.description,
        ...(event.url ? { environmentUrl: event.url } : {}),
        logUrl: statusLinks(config.publicUrl, plan.buildId).stepLog(event.stepKey),
        seq,
      };
      await deployments.add('deployment', data, {
        ...JOB_OPTIONS.deployments,
        jobId: `${plan.buildId}-dep-${slug(event.environment)}-${seq}`,
      });
      if (event.environment === STAGING && event.state === 'success') {
        await markStagingVerified(redis, `${data.owner}/${data.repo}`, data.sha, plan.buildId);
        await reporterFor(job)({
          stage: 'staging-verified',
          state: 'verified',
          verified: true,
          reason: `Passed e2e and deployed to staging in build ${plan.buildId}`,
        });
      }
    };
  };
  const secretsFor = loadSecrets(config.secretsFile);
  const locks = new RedisLocks(redis);
  const gitToken = gitTokenSource(config.githubApiUrl, githubAuthOf(config), config.gitToken);
  const approvalJobs = new Queue<ApprovalJob>(QUEUES.approvals, { connection: redis });
  const approvals = approvalGate(new ApprovalStore(redis), approvalJobs);
  const running = new Map<string, { cancel: AbortController; supersede: AbortController }>();
  /** Aborts what was asked: a cancellation stops everything, a supersession all but a running deploy. */
  const applyStops = async (buildId: string) => {
    const controllers = running.get(buildId);
    if (!controllers) return;
    const cancelled = await cancelReason(redis, buildId);
    if (cancelled) controllers.cancel.abort(cancelled);
    const superseded = await supersededReason(redis, buildId);
    if (superseded) controllers.supersede.abort(superseded);
  };

  await reap(backend, store, logger);

  await subscriber.subscribe(CANCEL_CHANNEL);
  subscriber.on('message', (_channel: string, buildId: string) => {
    applyStops(buildId).catch((err: unknown) => logger.warn('could not apply a cancellation', { buildId, err }));
  });

  const reporterFor = (job: BuildJob): RuntimeDeps['report'] => {
    const { plan } = job;
    const target = {
      buildId: plan.buildId,
      repo: plan.request.repo,
      sha: plan.request.sha,
      publicUrl: config.publicUrl,
    };
    return (event) => queueStatus(statuses, target, event);
  };
  const worker = startWorker<BuildJob>(
    QUEUES.builds,
    config.redisUrl,
    async (job) => {
      const { plan } = job.data;
      const controllers = { cancel: new AbortController(), supersede: new AbortController() };
      running.set(plan.buildId, controllers);
      try {
        await applyStops(plan.buildId);
        const deps: RuntimeDeps = {
          backend,
          store,
          report: reporterFor(job.data),
          deployment: deploymentReporterFor(job.data),
          secretsFor,
          locks,
          approvals,
          schedulingTimeoutMs: config.schedulingTimeoutMs,
          nodeLossGraceMs: config.nodeLossGraceMs,
          gitToken,
          logger,
        };
        return await runBuild(plan, deps, {
          cancel: controllers.cancel.signal,
          supersede: controllers.supersede.signal,
        });
      } finally {
        running.delete(plan.buildId);
      }
    },
    {
      logger,
      failure: 'build run failed',
      concurrency: config.executorConcurrency,
      lockDuration: config.buildLockMs,
      stalledInterval: Math.max(1_000, Math.floor(config.buildLockMs / 2)),
      maxStalledCount: 5,
      onGiveUp: (job, err) => giveUp(job, err, store, reporterFor(job.data), logger),
    },
  );
  const reaper = setInterval(
    () => void reap(backend, store, logger).catch((err: unknown) => logger.warn('reaper failed', { err })),
    5 * 60_000,
  );
  return {
    async close() {
      clearInterval(reaper);
      await worker.close();
      await statuses.close();
      await deployments.close();
      await approvalJobs.close();
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}

/** Retries are spent: every stage that did not finish ends in `error`, with the reason. */
async function giveUp(
  job: Job<BuildJob>,
  err: SlipwayError,
  store: BuildStore,
  report: RuntimeDeps['report'],
  logger: Logger,
): Promise<void> {
  const { plan } = job.data;
  const record = await store.get(plan.buildId);
  const reason = `Slipway could not run the build: ${err.message}`;
  try {
    for (const stage of plan.stages) {
      const rec = record?.stages.find((s) => s.name === stage.name);
      if (rec && isFinal(rec.state)) continue;
      if (rec) rec.state = 'error';
      await report({ stage: stageLabel(stage), state: 'error', reason });
    }
    if (record) await store.put({ ...record, state: 'error', finishedAt: new Date().toISOString() });
  } catch (e) {
    logger.error('could not report the failed build', { build: plan.buildId, err: e });
  }
}
