import type { PlanStage } from './types.js';

/** The name a stage goes by in statuses and the API: `test`, or `deploy/staging` for an environment's deploy. */
export function stageLabel(stage: Pick<PlanStage, 'name' | 'environment'>): string {
  return stage.environment ? `${stage.name}/${stage.environment.name}` : stage.name;
}
