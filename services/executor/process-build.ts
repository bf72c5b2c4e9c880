import { isFinal, type RunState } from '../core/builds/types.js';
import { slug } from '../core/plan/naming.js';
import { stageLabel } from '../core/plan/stage-label.js';
import { STAGING } from '../core/plan/staging-check.js';
import type { Plan } from '../core/plan/types.js';
import type { Queues } from '../shared/ports/queues.js';
import type { StagingRecords } from '../shared/ports/staging-records.js';
import type { BuildJob, DeploymentJob } from '../shared/queues.js';
import { queueStatus, statusLinks } from '../shared/status-queue.js';
import { runBuild } from './run-build.js';
import type { RuntimeDeps } from './runtime-deps.js';

/** What the executor's build jobs need: the runtime's ports, and where its events go. */
export interface ExecutorDeps extends Omit<RuntimeDeps, 'report' | 'deployment'> {
  queues: Queues;
  staging: StagingRecords;
  /** Base URL of Slipway's API, for the links statuses and deployments carry. */
  publicUrl: string;
}

/** The build's stop signals: `cancel` stops everything, `supersede` all but a deploy under way. */
export interface BuildStops {
  cancel: AbortSignal;
  supersede: AbortSignal;
}

/**
 * Runs one build job: the plan on the backend, its stage events queued as commit statuses,
 * its deploys as GitHub deployments, and a commit deployed to staging recorded as verified.
 * Idempotent like `runBuild`: a job run again re-attaches and runs nothing twice.
 */
export function processBuild(job: BuildJob, deps: ExecutorDeps, stops: BuildStops): Promise<RunState> {
  const { plan } = job;
  return runBuild(plan, { ...deps, report: reporterFor(plan, deps), deployment: deploymentsFor(plan, deps) }, stops);
}

/** A build job's retries are spent: every stage that did not finish ends in `error`, with the reason. */
export async function giveUp(
  job: BuildJob,
  err: Error,
  deps: Pick<ExecutorDeps, 'builds' | 'queues' | 'publicUrl' | 'logger'> & { now?: () => Date },
): Promise<void> {
  const { plan } = job;
  const report = reporterFor(plan, deps);
  const record = await deps.builds.get(plan.buildId);
  const reason = `Slipway could not run the build: ${err.message}`;
  try {
    for (const stage of plan.stages) {
      const rec = record?.stages.find((s) => s.name === stage.name);
      if (rec && isFinal(rec.state)) continue;
      if (rec) rec.state = 'error';
      await report({ stage: stageLabel(stage), state: 'error', reason });
    }
    const at = (deps.now ?? (() => new Date()))().toISOString();
    if (record) await deps.builds.put({ ...record, state: 'error', finishedAt: at });
  } catch (e) {
    deps.logger.error('could not report the failed build', { build: plan.buildId, err: e });
  }
}

function reporterFor(plan: Plan, deps: Pick<ExecutorDeps, 'queues' | 'publicUrl'>): RuntimeDeps['report'] {
  const target = { buildId: plan.buildId, repo: plan.request.repo, sha: plan.request.sha, publicUrl: deps.publicUrl };
  return (event) => queueStatus(deps.queues, target, event);
}

function deploymentsFor(plan: Plan, deps: ExecutorDeps): NonNullable<RuntimeDeps['deployment']> {
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
      logUrl: statusLinks(deps.publicUrl, plan.buildId).stepLog(event.stepKey),
      seq,
    };
    await deps.queues.add('deployments', data, { jobId: `${plan.buildId}-dep-${slug(event.environment)}-${seq}` });
    if (event.environment === STAGING && event.state === 'success') {
      await deps.staging.markVerified(plan.request.repo, plan.request.sha, plan.buildId);
      await reporterFor(
        plan,
        deps,
      )({
        stage: 'staging-verified',
        state: 'verified',
        verified: true,
        reason: `Passed e2e and deployed to staging in build ${plan.buildId}`,
      });
    }
  };
}
