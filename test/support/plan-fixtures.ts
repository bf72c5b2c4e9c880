import type { BuildRequest } from '../../services/core/builds/types.js';
import { commandScript, stepDefaults, WORKSPACE } from '../../services/core/plan/compile-plan.js';
import { buildIdFor, buildObjectNames, slug } from '../../services/core/plan/naming.js';
import type { Plan, PlanStage, PlanStep } from '../../services/core/plan/types.js';

/** A step for hand-built plans: the given commands in `slipway/busybox:1`, anything else overridable. */
export function step(name: string, commands: string[], extra: Partial<PlanStep> = {}): PlanStep {
  return {
    ...stepDefaults(120_000),
    key: slug(name),
    name,
    stage: 'test',
    image: 'slipway/busybox:1',
    script: commandScript(commands),
    ...extra,
  };
}

/** A plan that checks out `cloneUrl` at `sha` and runs the given stages; ids unique per call. */
export function planOf(
  cloneUrl: string,
  sha: string,
  stages: Array<Pick<PlanStage, 'name' | 'steps'> & Partial<PlanStage>>,
  extra: Partial<Plan> = {},
): Plan {
  const request: BuildRequest = {
    id: `test-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    event: 'push',
    repo: { owner: 'acme', name: 'exec' },
    sha,
    ref: 'refs/heads/master',
    cloneUrl,
    sender: 'octocat',
  };
  const buildId = buildIdFor(request.id);
  return {
    buildId,
    request,
    ...buildObjectNames(buildId),
    checkout: {
      ...stepDefaults(120_000),
      key: 'checkout',
      name: 'checkout',
      stage: 'checkout',
      image: 'slipway/git:1',
      script: commandScript([
        `git clone --quiet ${cloneUrl} ${WORKSPACE}`,
        `git -C ${WORKSPACE} checkout --quiet ${sha}`,
      ]),
    },
    stages: stages.map((s) => ({ sidecars: [], ...s })),
    timeoutMs: 600_000,
    ...extra,
  };
}
