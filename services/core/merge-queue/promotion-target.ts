import { environmentsOf } from '../buildspec/spec-parts.js';
import type { BuildSpec } from '../buildspec/types.js';
import { planEnvironment } from '../plan/compile-plan.js';
import { STAGING } from '../plan/staging-check.js';
import type { PlanEnvironment } from '../plan/types.js';

/**
 * The environment a pull request into `base` promotes to, when `base` is the branch of an
 * environment other than staging (production): merging it then also needs the commit
 * proven on staging (when the spec has a staging environment) and the environment's
 * approvals. Undefined for any other base (`master`). Pure.
 */
export function promotionTarget(
  spec: BuildSpec,
  base: string,
): { environment: PlanEnvironment; needsStaging: boolean } | undefined {
  const environments = environmentsOf(spec.deploy);
  if (!environments) return undefined;
  const found = Object.entries(environments).find(([name, env]) => name !== STAGING && env.branch === base);
  if (!found) return undefined;
  return { environment: planEnvironment(found[0], found[1], spec), needsStaging: Boolean(environments[STAGING]) };
}
