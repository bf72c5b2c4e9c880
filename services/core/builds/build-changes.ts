import type { NewBuildEvent } from './build-event.js';
import { buildSummary } from './build-summary.js';
import type { BuildRecord, StageRecord, StepRecord } from './record.js';

/**
 * The events that tell the difference between two versions of a build record: a new build
 * (`before` undefined) is a `build` event; then one event per build, stage or step (the
 * checkout counts as a step of no stage) whose state changed, and one per approval decision
 * added or approval state changed. Ordered build, stages, steps, approval, so a follower sees
 * a step start after its stage. Pure.
 */
export function buildChanges(before: BuildRecord | undefined, after: BuildRecord, at: string): NewBuildEvent[] {
  const build = buildSummary(after);
  const base = { buildId: after.id, repo: build.repo, at, build };
  const events: NewBuildEvent[] = [];
  if (!before || before.state !== after.state) events.push({ ...base, kind: 'build', state: after.state });
  const oldStages = new Map(stagesOf(before).map((s) => [s.name, s]));
  const stages = stagesOf(after);
  for (const stage of stages) {
    const old = oldStages.get(stage.name);
    if (before && (!old || old.state !== stage.state))
      events.push({ ...base, kind: 'stage', stage: stage.name, state: stage.state });
  }
  const oldSteps = new Map(stepsOf(before).map(({ step }) => [step.key, step]));
  for (const { stage, step } of stepsOf(after)) {
    const old = oldSteps.get(step.key);
    if (before && (!old || old.state !== step.state))
      events.push({ ...base, kind: 'step', ...(stage ? { stage } : {}), step: step.key, state: step.state });
  }
  const approval = after.approval;
  if (approval && typeof approval === 'object') {
    const old = before?.approval?.environment === approval.environment ? before.approval : undefined;
    const oldCount = Array.isArray(old?.decisions) ? old.decisions.length : 0;
    const decisions = Array.isArray(approval.decisions) ? approval.decisions : [];
    const about = { environment: approval.environment, state: approval.state };
    for (const d of decisions.slice(oldCount)) {
      events.push({
        ...base,
        kind: 'approval',
        state: after.state,
        stage: approval.environment,
        approval: { ...about, decision: { user: d.user, decision: d.decision, counted: d.counted, at: d.at } },
      });
    }
    if (decisions.length === oldCount && (!old || old.state !== approval.state))
      events.push({ ...base, kind: 'approval', state: after.state, stage: approval.environment, approval: about });
  }
  return events;
}

function stagesOf(record: BuildRecord | undefined): StageRecord[] {
  return Array.isArray(record?.stages) ? record.stages.filter((s) => s && typeof s === 'object') : [];
}

function stepsOf(record: BuildRecord | undefined): Array<{ stage?: string; step: StepRecord }> {
  if (!record) return [];
  const steps: Array<{ stage?: string; step: StepRecord }> = record.checkout ? [{ step: record.checkout }] : [];
  for (const stage of stagesOf(record))
    for (const step of Array.isArray(stage.steps) ? stage.steps : [])
      if (step?.key) steps.push({ stage: stage.name, step });
  return steps;
}
