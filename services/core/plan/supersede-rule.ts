import type { BuildRequest } from '../builds/types.js';
import { branchOf, environmentsOf } from '../buildspec/spec-parts.js';
import type { BuildSpec, SpecPolicy } from '../buildspec/types.js';

/**
 * Whether a new build stops the older build of the same ref. By default a pull request's
 * newer push supersedes its older build (only the head matters), and so does a push to an
 * ordinary branch; on a branch an environment deploys (`master`, `production`) every commit is
 * tested to the end, while a newer commit's deploy still overtakes an older one's (a build
 * whose commit is no longer its branch's head is never deployed). The repository policy's
 * `supersedePullRequests` and `supersedeEnvironmentBranches` change both. Pure.
 */
export function supersedesOlder(spec: BuildSpec, request: BuildRequest, policy: SpecPolicy): boolean {
  if (request.pullRequest !== undefined) return policy.supersedePullRequests ?? true;
  const branch = branchOf(request.ref);
  const deploys = Object.values(environmentsOf(spec.deploy) ?? {}).some((env) => env.branch === branch);
  if (branch !== undefined && deploys) return policy.supersedeEnvironmentBranches ?? false;
  return true;
}
