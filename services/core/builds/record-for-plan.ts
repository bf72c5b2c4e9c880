import type { Plan, PlanStep } from '../plan/types.js';
import type { BuildRecord, StepRecord } from './record.js';
import { carryPassed } from './rerun-plan.js';

/** The record of a build about to run: every stage and step queued (a re-run's carried steps already skipped). */
export function recordForPlan(plan: Plan, createdAt: string): BuildRecord {
  const step = (s: PlanStep): StepRecord => ({
    key: s.key,
    name: s.name,
    state: 'queued',
    image: s.image,
    ...(s.allowFailure ? { allowFailure: true } : {}),
  });
  const record: BuildRecord = {
    id: plan.buildId,
    request: plan.request,
    state: 'queued',
    createdAt,
    checkout: step(plan.checkout),
    stages: plan.stages.map((s) => ({
      name: s.name,
      ...(s.environment ? { environment: s.environment.name } : {}),
      state: 'queued',
      steps: s.steps.map(step),
    })),
  };
  return plan.request.rerunOf ? carryPassed(record, plan.request.rerunOf) : record;
}
