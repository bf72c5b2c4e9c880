import { describe, expect, it } from '@jest/globals';
import { onlyStep, stepKeys } from '../../../services/core/plan/only-step.js';
import { reproduceLines } from '../../../services/core/plan/reproduce-lines.js';
import { planOf, step } from '../../support/plan-fixtures.js';

const SHA = 'c0ffee'.padEnd(40, '0');

describe('how a step is reproduced locally', () => {
  const plan = planOf('https://x-access-token:ghs_secret@git.internal/acme/exec.git', SHA, [
    {
      name: 'test',
      steps: [step('unit', ['npm test'], { env: { NODE_ENV: 'test', CI: '1' } }), step('lint', ['npm run lint'])],
    },
    {
      name: 'e2e',
      steps: [step('browser', ['npm run e2e'], { secrets: ['npm-token'] })],
      sidecars: [{ key: 'db', name: 'db', image: 'postgres:16', env: {} }],
    },
  ]);

  it('names the public clone, the commit, the one-step run, the image, env names, secrets and sidecars', () => {
    const lines = reproduceLines(plan, plan.stages[1]!, plan.stages[1]!.steps[0]!);
    expect(lines).toEqual([
      '[slipway] to run this step on your machine (Docker in swarm mode, image slipway/busybox:1):',
      `[slipway]   git clone https://github.com/acme/exec.git exec && cd exec && git checkout -q ${SHA} && npx slipway run --step browser`,
      '[slipway]   with secrets npm-token (in a file named by SLIPWAY_SECRETS_FILE); ' +
        'sidecars db (postgres:16), started for you',
    ]);
    // The clone URL the executor used may carry credentials: never in a log.
    expect(lines.join('\n')).not.toContain('ghs_secret');
    const unit = reproduceLines(plan, plan.stages[0]!, plan.stages[0]!.steps[0]!);
    expect(unit[2]).toBe('[slipway]   with env CI, NODE_ENV (set by the spec)');
    expect(reproduceLines(plan, plan.stages[0]!, plan.stages[0]!.steps[1]!)).toHaveLength(2);
  });

  it("fetches a pull request's head, which may live only in a fork", () => {
    const pr = { ...plan, request: { ...plan.request, pullRequest: 42 } };
    expect(reproduceLines(pr, pr.stages[0]!, pr.stages[0]!.steps[1]!)[1]).toContain(
      `&& git fetch -q origin pull/42/head && git checkout -q ${SHA} && npx slipway run --step lint`,
    );
  });

  it('cuts a plan down to one step of its stage, sidecars kept, and says when there is no such step', () => {
    const one = onlyStep(plan, 'browser')!;
    expect(one.stages).toHaveLength(1);
    expect(one.stages[0]).toMatchObject({ name: 'e2e', sidecars: [{ name: 'db' }] });
    expect(one.stages[0]!.steps.map((s) => s.key)).toEqual(['browser']);
    expect(one.checkout).toBe(plan.checkout);
    expect(onlyStep(plan, 'nope')).toBeUndefined();
    expect(stepKeys(plan)).toEqual(['unit', 'lint', 'browser']);
  });
});
