import { FINAL_STATES } from '../core/builds/types.js';
import { approvalGate } from '../shared/approval-gate.js';
import type { Config } from '../shared/config.js';
import { githubInstallations, routedGitHub } from '../shared/github-installations.js';
import type { Logger } from '../shared/logger.js';
import { startHealthServer } from '../shared/health/health-server.js';
import { censusRefresher } from '../shared/metrics/census.js';
import { meteredBuildStore } from '../shared/metrics/metered-build-store.js';
import { metrics } from '../shared/metrics/metrics.js';
import { redisState } from '../shared/redis/redis-state.js';
import { startWorker } from '../shared/redis/start-worker.js';
import { loadSecrets } from '../shared/secret-store.js';
import type { Running } from '../shared/service.js';
import { dockerPing } from './backend/docker-ping.js';
import { SwarmBackend } from './backend/swarm-backend.js';
import type { Backend } from './backend/types.js';
import { giveUp, processBuild, type ExecutorDeps } from './process-build.js';
import { reap } from './reap.js';
import { reportPresence } from './report-presence.js';
import { RunningBuilds } from './running-builds.js';
import { meteredBackend } from './metered-backend.js';
import { typedBackend } from './typed-backend.js';
import { FsArtifactStore } from '../shared/fs/fs-artifact-store.js';
import { FsCacheStore } from '../shared/fs/fs-cache-store.js';
import { SwarmCapacity } from './backend/swarm-capacity.js';
import { provisioningOf, startCapacity } from './capacity/start-capacity.js';

/**
 * Starts the executor: first the reaper (removes what a dead executor left of finished
 * builds), then the listener for stops, then the BullMQ worker on the builds queue. A job
 * whose executor died is picked up again as stalled once its lock expires, and `runBuild`
 * re-attaches to what is running.
 */
export async function startExecutor(config: Config, logger: Logger, given?: Backend): Promise<Running> {
  const state = redisState(config.redisUrl, { logger, role: 'executor' });
  const provisioning = config.provisioning.provisioners.length > 0;
  const engine =
    given ??
    new SwarmBackend(undefined, {
      volumeDriver: config.volumeDriver,
      instance: config.instance,
      ...(config.cleanupImage ? { cleanupImage: config.cleanupImage } : {}),
      ...(config.appHost ? { appHost: config.appHost } : {}),
      ...(provisioning ? { provisioning: provisioningOf(state.provisions), workspaceHolds: state.provisions } : {}),
      reserveResources: config.reserveStepResources,
    });
  // Trouble with the engine rejects typed, so it decides the build job's retries; each call is timed.
  const backend = meteredBackend(typedBackend(engine), metrics());
  const installations = githubInstallations(config.githubApiUrl, config.githubApp ?? { token: config.githubToken }, {
    logger,
    gitToken: config.gitToken,
    octokit: { writeGapMs: config.githubWriteGapMs },
  });
  const github = routedGitHub(installations);
  const health =
    config.healthPort === undefined
      ? undefined
      : await startHealthServer({
          port: config.healthPort,
          host: config.host,
          logger,
          metrics: metrics(),
          checks: [
            { name: 'redis', check: () => state.ping() },
            { name: 'docker', check: dockerPing() },
          ],
          beforeScrape: censusRefresher(metrics(), { census: state.census, approvals: state.approvals, logger }),
        });
  const caches = new FsCacheStore(config.cacheDir, config.cacheLimits);
  const deps: ExecutorDeps = {
    backend,
    builds: meteredBuildStore(state.builds, metrics()),
    logs: state.logs,
    queues: state.queues,
    staging: state.staging,
    locks: state.locks,
    approvals: approvalGate(state.approvals, state.queues, undefined, state.mergeQueue),
    gates: { store: state.gates, queues: state.queues },
    secretsFor: loadSecrets(config.secretsFile),
    secretParams: state.secretParams,
    gitToken: (request) => installations.gitToken(request.repo, request.installationId),
    // The one question the executor asks GitHub: is a push's commit still its branch's head?
    stillHead: async (repo, ref, sha) => (await github.behindBy(repo, ref.replace(/^refs\/heads\//, ''), sha)) === 0,
    artifacts: new FsArtifactStore(config.artifactsDir),
    artifactLimits: config.artifactLimits,
    caches,
    cacheMaxEntryBytes: config.cacheLimits.maxEntryBytes,
    schedulingTimeoutMs: config.schedulingTimeoutMs,
    nodeLossGraceMs: config.nodeLossGraceMs,
    publicUrl: config.publicUrl,
    logger,
    reproduceLines: true,
  };
  const running = new RunningBuilds(state.stops, logger);

  await reap(backend, state.builds, logger);
  const stopListening = await running.listen();

  const worker = startWorker(
    'builds',
    config.redisUrl,
    (job) => running.run(job.plan.buildId, (stops) => processBuild(job, deps, stops)),
    {
      logger,
      failure: 'build run failed',
      concurrency: config.executorConcurrency,
      lockDurationMs: config.buildLockMs,
      stalledIntervalMs: Math.max(1_000, Math.floor(config.buildLockMs / 2)),
      maxStalledCount: 5,
      onGiveUp: (job, err) => giveUp(job, err, deps),
    },
  );
  const presence = await reportPresence(
    state.presence,
    {
      builds: () => running.ids(),
      concurrency: config.executorConcurrency,
      ...(backend.nodes ? { nodes: () => backend.nodes!() } : {}),
    },
    logger,
  );
  // A build that starts or ends shows in `slipway status` at once, not at the next beat.
  running.onChange = presence.changed;
  const reaper = setInterval(
    () => void reap(backend, state.builds, logger).catch((err: unknown) => logger.warn('reaper failed', { err })),
    5 * 60_000,
  );
  // Artifacts past the operator's retention go, at start-up and hourly.
  const expire = () =>
    deps
      .artifacts!.expire(new Date(Date.now() - config.artifactRetentionMs).toISOString())
      .then((gone) => gone.length > 0 && logger.info('artifacts expired', { builds: gone.length }))
      .catch((err: unknown) => logger.warn('artifact expiry failed', { err }));
  void expire();
  const expiry = setInterval(() => void expire(), 3_600_000);
  // What executors stopped in the middle of a cache save left behind (saves sweep their own repository's too).
  void caches
    .sweep()
    .then((swept) => Object.values(swept).some((n) => n > 0) && logger.info('cache directory swept', { ...swept }))
    .catch((err: unknown) => logger.warn('cache sweep failed', { err }));
  // Last: nodes are asked for only by an executor that started in full (and can run what they are for).
  const capacity = await startCapacity({
    config: config.provisioning,
    swarm: new SwarmCapacity(config.instance),
    provisions: state.provisions,
    logger,
    metrics: metrics(),
    buildEnded: async (buildId) => {
      const build = await state.builds.get(buildId);
      return !build || FINAL_STATES.has(build.state);
    },
  });
  return {
    async close() {
      clearInterval(reaper);
      clearInterval(expiry);
      await capacity?.close();
      await worker.close();
      running.onChange = () => undefined;
      await presence.stop();
      await stopListening();
      await health?.close();
      await state.close();
    },
  };
}
