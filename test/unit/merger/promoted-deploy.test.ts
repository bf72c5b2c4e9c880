import { describe, expect, it } from '@jest/globals';
import { recordForPlan } from '../../../services/core/builds/record-for-plan.js';
import type { PlanEnvironment } from '../../../services/core/plan/types.js';
import { runBuild } from '../../../services/executor/run-build.js';
import { approvalGate } from '../../../services/shared/approval-gate.js';
import { memoryState } from '../../../services/shared/memory/memory-state.js';
import { planOf, step } from '../../support/plan-fixtures.js';
import { runtimeFor } from '../executor/runtime-fixtures.js';

const SHA = 'c'.repeat(40);
const production: PlanEnvironment = {
  name: 'production',
  approval: { required: true, users: ['alice'], teams: [], count: 1, expiresMs: 3_600_000, allowSelfApproval: false },
  locks: [],
};

/** The production deploy after a promotion the merge queue merged with its approvals met, on the fake backend. */
describe('a promoted commit deploys', () => {
  async function deploy(promoted: boolean) {
    const state = memoryState();
    if (promoted)
      await state.mergeQueue.recordPromotion({
        repo: 'acme/exec',
        sha: SHA,
        environment: 'production',
        pullRequest: 20,
        approvers: ['alice'],
        at: '2026-12-02T07:00:00.000Z',
      });
    const plan = planOf(
      'x',
      SHA,
      [{ name: 'deploy', steps: [step('ship', ['echo shipped'])], environment: production }],
      {
        request: { ...planOf('x', SHA, []).request, ref: 'refs/heads/production' },
      },
    );
    const runtime = runtimeFor(
      plan,
      { approvals: approvalGate(state.approvals, state.queues, undefined, state.mergeQueue) },
      { state },
    );
    await state.builds.create(recordForPlan(plan, 'now'));
    return { outcome: await runBuild(plan, runtime.deps), runtime, state, plan };
  }

  it('without a second approval when the merge queue promoted that commit with its approvals', async () => {
    const { outcome, runtime, state, plan } = await deploy(true);
    expect(outcome).toBe('success');
    expect(runtime.events.some((e) => e.state === 'waiting')).toBe(false);
    expect(await state.approvals.get(plan.buildId)).toBeUndefined();
  });

  it('parks for an approval when it was not promoted', async () => {
    const { outcome, runtime } = await deploy(false);
    expect(outcome).toBe('waiting');
    expect(runtime.events.at(-1)).toMatchObject({ stage: 'deploy/production', state: 'waiting' });
  });
});
