import type { BuildRequest } from '../builds/types.js';
import { environmentsOf } from '../buildspec/spec-parts.js';
import type { BuildSpec } from '../buildspec/types.js';

/** The environment whose deploys prove a commit before it is promoted. */
export const STAGING = 'staging';

/**
 * Whether a pull request's commit must show `slipway/staging-verified`: it merges into the
 * branch of an environment other than staging (production), and the spec has a staging
 * environment to have passed. Pure.
 */
export function needsStagingCheck(spec: BuildSpec, request: BuildRequest): boolean {
  if (!request.pullRequest || !request.baseRef) return false;
  const environments = environmentsOf(spec.deploy);
  if (!environments?.[STAGING]) return false;
  return Object.entries(environments).some(([name, env]) => name !== STAGING && env.branch === request.baseRef);
}
