import type { StepRecord } from '../core/build/record.js';
import { recordForPlan } from '../core/build/record-for-plan.js';
import type { RunState } from '../core/build/types.js';
import { serviceName } from '../core/plan/naming.js';
import type { Plan, PlanStep } from '../core/plan/types.js';
import type { StageEvent } from '../core/status/types.js';
import type { BuildStore, LogLine } from '../shared/build-store.js';
import type { Logger } from '../shared/logger.js';
import type { Backend, BuildResources, StepOutcome } from './backend/types.js';

export interface RuntimeDeps {
  backend: Backend;
  store: BuildStore;
  /** Reports a stage event (the reporter turns it into a commit status). */
  report: (event: StageEvent) => Promise<void>;
  schedulingTimeoutMs: number;
  stepTimeoutMs: number;
  logger: Logger;
  now?: () => Date;
}

const FINAL: ReadonlySet<RunState> = new Set(['success', 'failure', 'error', 'skipped']);

/**
 * Runs a plan: checkout, then the stages in order, the steps of a stage in parallel, and
 * teardown exactly once at the end. A stage runs only when the one before succeeded.
 *
 * Idempotent: run again after a crash, it skips steps whose outcome is recorded and
 * re-attaches to steps still running, so no step runs twice.
 */
export async function runBuild(plan: Plan, deps: RuntimeDeps): Promise<RunState> {
  const now = () => (deps.now ?? (() => new Date()))().toISOString();
  const record = (await deps.store.get(plan.buildId)) ?? recordForPlan(plan, now());
  if (FINAL.has(record.state)) return record.state;
  const resources: BuildResources = { buildId: plan.buildId, network: plan.network, volume: plan.volume };
  const save = () => deps.store.put(record);

  record.state = 'running';
  record.startedAt ??= now();
  await save();
  try {
    await deps.backend.setupBuild(resources);
    const checkout = await runStep(plan.checkout, record.checkout!, resources, deps, save, now);
    let blocked: { stage: string; state: 'failure' | 'error' } | undefined =
      checkout.kind === 'success' ? undefined : { stage: 'checkout', state: 'error' };
    for (const stage of plan.stages) {
      const stageRecord = record.stages.find((s) => s.name === stage.name)!;
      if (blocked) {
        stageRecord.state = 'skipped';
        stageRecord.description = `not run: ${blocked.stage} ${blocked.state === 'failure' ? 'failed' : 'had an error'}`;
        for (const step of stageRecord.steps) if (!FINAL.has(step.state)) step.state = 'skipped';
        await save();
        await deps.report({ stage: stage.name, state: 'skipped', blockedBy: blocked.stage, blockedState: blocked.state });
        continue;
      }
      const started = Date.now();
      stageRecord.state = 'running';
      await save();
      await deps.report({ stage: stage.name, state: 'running' });
      const outcomes = await Promise.all(
        stage.steps.map(async (step) => ({ step, outcome: await runStep(step, stageRecord.steps.find((s) => s.key === step.key)!, resources, deps, save, now) })),
      );
      const failed = outcomes.find((o) => o.outcome.kind === 'failure');
      const errored = outcomes.find((o) => o.outcome.kind === 'error');
      let event: StageEvent;
      if (failed && failed.outcome.kind === 'failure') {
        event = { stage: stage.name, state: 'failure', step: failed.step.name, stepKey: failed.step.key, exitCode: failed.outcome.exitCode };
      } else if (errored && errored.outcome.kind === 'error') {
        event = { stage: stage.name, state: 'error', step: errored.step.name, stepKey: errored.step.key, reason: errored.outcome.reason };
      } else {
        event = { stage: stage.name, state: 'success', steps: stage.steps.length, durationMs: Date.now() - started };
      }
      stageRecord.state = event.state;
      if (event.state !== 'success') blocked = { stage: stage.name, state: event.state === 'failure' ? 'failure' : 'error' };
      await save();
      await deps.report(event);
    }
    record.state = worst(record.stages.map((s) => s.state).concat(checkout.kind === 'success' ? [] : ['error']));
  } finally {
    await deps.backend.teardownBuild(plan.buildId);
  }
  record.finishedAt = now();
  await save();
  deps.logger.info('build finished', { buildId: plan.buildId, state: record.state });
  return record.state;
}

/** Runs one step to its end and records it; a step already finished is not run again. */
async function runStep(
  step: PlanStep,
  rec: StepRecord,
  build: BuildResources,
  deps: RuntimeDeps,
  save: () => Promise<void>,
  now: () => string,
): Promise<StepOutcome> {
  if (FINAL.has(rec.state)) return recordedOutcome(rec);
  const attempt = 1;
  const name = serviceName(build.buildId, step.key, attempt);
  rec.state = 'running';
  rec.service = name;
  rec.startedAt ??= now();
  await save();

  const handle = await deps.backend.startStep({ build, key: step.key, attempt, name, image: step.image, script: step.script, env: step.env });
  if (handle.reattached) deps.logger.info('re-attached to a running step', { buildId: build.buildId, step: step.key });
  let appending = Promise.resolve();
  const follower = deps.backend.followLog(handle, (lines: LogLine[]) => {
    appending = appending.then(() => deps.store.appendLog(build.buildId, step.key, lines)).catch(() => undefined);
  });
  let outcome: StepOutcome;
  try {
    outcome = await deps.backend.waitStep(handle, { schedulingTimeoutMs: deps.schedulingTimeoutMs, timeoutMs: deps.stepTimeoutMs });
  } finally {
    follower.stop();
  }
  await appending;
  // The followed stream may lag; the complete log is read before the service is removed.
  await deps.store.replaceLog(build.buildId, step.key, await deps.backend.readLog(handle));
  await deps.backend.removeStep(handle);

  rec.state = outcome.kind;
  rec.finishedAt = now();
  if (outcome.kind === 'failure') rec.exitCode = outcome.exitCode;
  if (outcome.kind === 'error') rec.reason = outcome.reason;
  await save();
  return outcome;
}

function recordedOutcome(rec: StepRecord): StepOutcome {
  if (rec.state === 'success') return { kind: 'success' };
  if (rec.state === 'failure') return { kind: 'failure', exitCode: rec.exitCode ?? 1 };
  return { kind: 'error', reason: rec.reason ?? 'did not run' };
}

/** failure beats error beats skipped beats success: the code's fault is what a developer must see first. */
function worst(states: RunState[]): RunState {
  for (const s of ['failure', 'error'] as const) if (states.includes(s)) return s;
  return 'success';
}
