import type { SpecDeployStage, SpecEnvironment, SpecSidecar, SpecStage, SpecStep, StageName } from './types.js';

/**
 * Views of the parts of a spec, shared by the checks (which see data the schema may have
 * refused, so every access is guarded) and the compiler (which sees a valid spec).
 */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The list of steps of a stage in either form, and the path of that list. */
export function stageStepList(stage: StageName, value: unknown): { list: unknown[]; segments: string[] } | undefined {
  if (Array.isArray(value)) return { list: value, segments: [stage] };
  if (isRecord(value) && Array.isArray(value.steps)) return { list: value.steps, segments: [stage, 'steps'] };
  return undefined;
}

/** The sidecars of a stage written in the long form. */
export function stageServices(value: unknown): unknown[] {
  return isRecord(value) && Array.isArray(value.services) ? value.services : [];
}

/** The environments of a deploy stage written in the long form. */
export function deployEnvironments(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) && isRecord(value.environments) ? value.environments : undefined;
}

/** Typed views of a valid spec, for the compiler. */
export function stepsOf(stage: SpecStage | SpecDeployStage | undefined): SpecStep[] {
  if (Array.isArray(stage)) return stage;
  return stage?.steps ?? [];
}

export function servicesOf(stage: SpecStage | undefined): SpecSidecar[] {
  return Array.isArray(stage) ? [] : (stage?.services ?? []);
}

export function environmentsOf(stage: SpecDeployStage | undefined): Record<string, SpecEnvironment> | undefined {
  return Array.isArray(stage) ? undefined : stage?.environments;
}

/** The branch a ref names (`refs/heads/release/1.2` → `release/1.2`), or undefined for tags and pull refs. */
export function branchOf(ref: string): string | undefined {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
}
