import type { BuildRecord, StageRecord, StepRecord } from './record.js';

/** What a re-run repeats: the whole build, only what did not pass, or from one stage on. */
export interface RerunChoice {
  failedOnly: boolean;
  /**
   * With `failedOnly`: that stage's steps that did not pass, and the later stages'; without:
   * that stage and the later ones.
   */
  stage?: string;
}

/**
 * The step keys a re-run of `original` runs again, undefined for all of them, or why there is
 * nothing to run. A step that passed before is carried (not run, "passed in build X"); every
 * other one runs: a failure, an error, a cancelled step and one that never ran because an
 * earlier stage failed. The checkout always runs (a re-run reuses nothing but the plan). Pure.
 */
export function rerunSteps(
  original: BuildRecord,
  choice: RerunChoice,
):
  | { ok: true; steps: string[] | undefined }
  | { ok: false; reason: 'no-such-stage' | 'nothing-failed'; message: string } {
  const stages = Array.isArray(original.stages) ? original.stages : [];
  let from = 0;
  if (choice.stage !== undefined) {
    from = stages.findIndex((s) => s?.name === choice.stage);
    if (from < 0)
      return { ok: false, reason: 'no-such-stage', message: `build ${original.id} has no stage "${choice.stage}"` };
  }
  if (!choice.failedOnly && choice.stage === undefined) return { ok: true, steps: undefined };
  const steps = stages
    .slice(from)
    .flatMap((s) => stepsOf(s))
    .filter((step) => !choice.failedOnly || step.state !== 'success')
    .map((step) => step.key);
  if (steps.length === 0)
    return {
      ok: false,
      reason: 'nothing-failed',
      message: `every step of build ${original.id}${choice.stage ? ` in stage ${choice.stage} and after` : ''} passed`,
    };
  return { ok: true, steps };
}

/** The reason on a carried step and the description of a stage carried whole. */
export function carriedReason(buildId: string): string {
  return `passed in build ${buildId}`;
}

/** A step a re-run did not run because it passed in the build it repeats. */
export function isCarried(step: Pick<StepRecord, 'state' | 'reason'>): boolean {
  return step.state === 'skipped' && typeof step.reason === 'string' && step.reason.startsWith('passed in build ');
}

/**
 * Marks what a re-run carries on its new record: steps not in `rerunOf.steps` are `skipped`
 * with "passed in build X"; a stage all of whose steps are carried is `success` with that
 * description (the executor reports it so and runs on). Changes `record`; pure otherwise.
 */
export function carryPassed(record: BuildRecord, rerunOf: { buildId: string; steps?: string[] }): BuildRecord {
  record.rerunOf = rerunOf.steps
    ? { buildId: rerunOf.buildId, steps: [...rerunOf.steps] }
    : { buildId: rerunOf.buildId };
  if (!rerunOf.steps) return record;
  const run = new Set(rerunOf.steps);
  const reason = carriedReason(rerunOf.buildId);
  for (const stage of record.stages) {
    for (const step of stage.steps) if (!run.has(step.key)) Object.assign(step, { state: 'skipped', reason });
    if (stage.steps.every((s) => !run.has(s.key))) Object.assign(stage, { state: 'success', description: reason });
  }
  return record;
}

function stepsOf(stage: StageRecord | undefined): StepRecord[] {
  return Array.isArray(stage?.steps) ? stage.steps.filter((s) => s && typeof s.key === 'string') : [];
}
