import type { Plan, PlanStage, PlanStep } from './types.js';

/** Lines a step's log starts with, marked so the log viewer and readers can tell them from the step's output. */
export const REPRODUCE_MARK = '[slipway]';

/**
 * The first lines of a step's log (JobServ's idea): how to run this same step on one's own
 * machine, at this commit, with `slipway run --step`: the clone and checkout, the command,
 * the image, the environment variables it sets (names only: values may come from the spec or
 * be secret) and the secrets and sidecars it needs. Pure: from the plan alone.
 */
export function reproduceLines(plan: Plan, stage: PlanStage, step: PlanStep): string[] {
  const { owner, name } = plan.request.repo;
  const sha = plan.request.sha;
  // The public address, not the clone URL the executor used (a rewrite rule or credentials may be in it).
  const clone = `git clone https://github.com/${owner}/${name}.git ${name} && cd ${name}`;
  const fetch = plan.request.pullRequest ? ` && git fetch -q origin pull/${plan.request.pullRequest}/head` : '';
  const lines = [
    `${REPRODUCE_MARK} to run this step on your machine (Docker in swarm mode, image ${step.image}):`,
    `${REPRODUCE_MARK}   ${clone}${fetch} && git checkout -q ${sha} && npx slipway run --step ${step.key}`,
  ];
  const needs: string[] = [];
  const env = Object.keys(step.env).sort();
  if (env.length > 0) needs.push(`env ${env.join(', ')} (set by the spec)`);
  if (step.secrets.length > 0)
    needs.push(`secrets ${step.secrets.join(', ')} (in a file named by SLIPWAY_SECRETS_FILE)`);
  if (stage.sidecars.length > 0)
    needs.push(`sidecars ${stage.sidecars.map((s) => `${s.name} (${s.image})`).join(', ')}, started for you`);
  if (needs.length > 0) lines.push(`${REPRODUCE_MARK}   with ${needs.join('; ')}`);
  return lines;
}
