import type { Plan } from './types.js';

/**
 * The plan cut down to one step (`slipway run --step KEY`): the stage it belongs to with its
 * sidecars and environment, and that step alone; the checkout stays. Undefined when no step
 * has that key. Pure.
 */
export function onlyStep(plan: Plan, key: string): Plan | undefined {
  const stage = plan.stages.find((s) => s.steps.some((step) => step.key === key));
  if (!stage) return undefined;
  return { ...plan, stages: [{ ...stage, steps: stage.steps.filter((step) => step.key === key) }] };
}

/** Every step key of the plan, in order, for a message naming what there is. */
export function stepKeys(plan: Plan): string[] {
  return plan.stages.flatMap((s) => s.steps.map((step) => step.key));
}
