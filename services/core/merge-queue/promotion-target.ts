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

/**
 * The environment `slipway promote` opens a pull request into: the one named, or the spec's
 * only environment other than staging; a sentence saying why when there is none. Pure.
 */
export function promotionEnvironment(
  spec: BuildSpec,
  name?: string,
): { ok: true; name: string; branch: string } | { ok: false; why: string } {
  const environments = Object.entries(environmentsOf(spec.deploy) ?? {}).filter(([n]) => n !== STAGING);
  const found = name === undefined ? environments : environments.filter(([n]) => n === name);
  if (found.length === 1) return { ok: true, name: found[0]![0], branch: found[0]![1].branch };
  if (name !== undefined) return { ok: false, why: `the spec has no environment "${name}" other than staging` };
  if (found.length === 0) return { ok: false, why: 'the spec has no environment other than staging to promote to' };
  return { ok: false, why: `name the environment: the spec has ${found.map(([n]) => n).join(', ')}` };
}
