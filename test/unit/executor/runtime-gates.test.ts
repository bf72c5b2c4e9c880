import { describe, expect, it } from '@jest/globals';
import type { ApprovalDecision } from '../../../services/core/approval/approval.js';
import { recordForPlan } from '../../../services/core/builds/record-for-plan.js';
import type { Plan, PlanEnvironment } from '../../../services/core/plan/types.js';
import { FakeBackend } from '../../../services/executor/backend/fake-backend.js';
import { runBuild } from '../../../services/executor/run-build.js';
import { approvalGate } from '../../../services/shared/approval-gate.js';
import { MemoryLocks } from '../../../services/shared/memory/memory-locks.js';
import { memoryState } from '../../../services/shared/memory/memory-state.js';
import { eventually } from '../../support/eventually.js';
import { planOf, step } from '../../support/plan-fixtures.js';
import { runtimeFor, signals, startedStep, starts, summary, type Runtime } from './runtime-fixtures.js';

const NOW = new Date('2024-05-01T10:00:00.000Z');
const waited = (r: Runtime) => r.events.find((e) => e.state === 'waiting');

/** Locks, pools and approvals in the runtime, on the fake backend and memory ports. */
describe('runBuild at its gates', () => {
  /** Several builds on one engine, one store and one set of locks, as executors share them. */
  function shared() {
    const backend = new FakeBackend();
    const state = memoryState();
    const locks = new MemoryLocks();
    const build = async (plan: Plan) => {
      const runtime = runtimeFor(plan, { locks }, { backend, state });
      await state.builds.create(recordForPlan(plan, 'now'));
      return { runtime, done: runBuild(plan, runtime.deps) };
    };
    return { backend, state, build };
  }

  it('makes a stage wait for a lock another build holds, saying who holds it, and runs it once released', async () => {
    const { waitFor, send } = signals();
    const { backend, state, build } = shared();
    const claim = { name: 'staging-db', capacity: 1 };
    const a = planOf('x', 'y', [{ name: 'test', steps: [step('holder', [waitFor('a-go')], { locks: [claim] })] }]);
    const b = planOf('x', 'y', [{ name: 'test', steps: [step('waiter', ['echo in'], { locks: [claim] })] }]);
    const first = await build(a);
    await startedStep(backend, '-holder-');
    const second = await build(b);
    await eventually('the second build to wait', () => waited(second.runtime));
    expect(waited(second.runtime)).toEqual({
      stage: 'test',
      state: 'waiting',
      reason: `for lock "staging-db", held by ${a.buildId}`,
    });
    expect((await state.builds.get(b.buildId))?.stages[0]).toMatchObject({ state: 'waiting' });
    expect(starts(backend, '-waiter-')).toBe(0);
    send('a-go');
    expect([await first.done, await second.done]).toEqual(['success', 'success']);
    expect(summary(second.runtime.events)).toEqual(['test:waiting', 'test:running', 'test:success']);
  });

  it('gives a pool to as many builds as it has slots; the next waits, and a cancelled waiter leaves', async () => {
    const { waitFor, send } = signals();
    const { backend, build } = shared();
    const pool = { name: 'runners', capacity: 2 };
    const plans = ['p1', 'p2', 'p3', 'p4'].map((key) =>
      planOf('x', 'y', [{ name: 'test', steps: [step(key, [waitFor(`${key}-go`)], { locks: [pool] })] }]),
    );
    const p1 = await build(plans[0]!);
    const p2 = await build(plans[1]!);
    await startedStep(backend, '-p1-');
    await startedStep(backend, '-p2-');
    // The third waits first, so it is the next in; the fourth is cancelled while it waits.
    const p3 = await build(plans[2]!);
    await eventually('p3 to wait', () => waited(p3.runtime));
    const cancel = new AbortController();
    const p4runtime = runtimeFor(plans[3]!, { locks: p3.runtime.deps.locks }, { backend, state: p3.runtime.state });
    await p4runtime.state.builds.create(recordForPlan(plans[3]!, 'now'));
    const p4 = runBuild(plans[3]!, p4runtime.deps, { cancel: cancel.signal });
    await eventually('p4 to wait', () => waited(p4runtime));
    expect(waited(p3.runtime)).toMatchObject({
      reason: expect.stringMatching(/^for a slot of pool "runners" \(2 slots\), held by /),
    });
    cancel.abort('cancelled through the API');
    expect(await p4).toBe('cancelled');
    expect(starts(backend, '-p3-') + starts(backend, '-p4-')).toBe(0);
    send('p1-go');
    await startedStep(backend, '-p3-');
    expect(starts(backend, '-p4-')).toBe(0);
    send('p2-go');
    send('p3-go');
    expect([await p1.done, await p2.done, await p3.done]).toEqual(['success', 'success', 'success']);
  });

  it('deploys to one environment of a repository one build at a time', async () => {
    const { waitFor, send } = signals();
    const { backend, build } = shared();
    const staging: PlanEnvironment = { name: 'staging', locks: [] };
    const deploy = (key: string, commands: string[]) =>
      planOf('x', 'y', [{ name: 'deploy', steps: [step(key, commands)], environment: staging }]);
    const first = await build(deploy('ship-a', [waitFor('a-go')]));
    await startedStep(backend, '-ship-a-');
    const second = await build(deploy('ship-b', ['echo b']));
    await eventually('the second deploy to wait', () => waited(second.runtime));
    expect(waited(second.runtime)).toMatchObject({
      stage: 'deploy/staging',
      reason: expect.stringContaining('lock "deploy:acme/exec:staging"'),
    });
    send('a-go');
    expect([await first.done, await second.done]).toEqual(['success', 'success']);
  });

  it('refuses to deploy a push its branch has moved past, and runs its deploy step never', async () => {
    const { backend, state } = shared();
    const staging: PlanEnvironment = { name: 'staging', locks: [] };
    const plan = planOf('x', 'y', [{ name: 'deploy', steps: [step('ship', ['echo shipped'])], environment: staging }]);
    const asked: string[] = [];
    const runtime = runtimeFor(
      plan,
      { locks: new MemoryLocks(), stillHead: async (_repo, ref, sha) => (asked.push(`${ref}@${sha}`), false) },
      { backend, state },
    );
    await state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, runtime.deps)).toBe('failure');
    expect(asked).toEqual(['refs/heads/master@y']);
    expect(runtime.events.at(-1)).toEqual({
      stage: 'deploy/staging',
      state: 'refused',
      reason: 'Not deployed: master has moved past this commit',
    });
    expect(starts(backend, '-ship-')).toBe(0);
  });

  it('refuses a moved-past deploy at once instead of waiting for the lock another deploy holds', async () => {
    const { waitFor, send } = signals();
    const { backend, build, state } = shared();
    const staging: PlanEnvironment = { name: 'staging', locks: [] };
    const deploy = (key: string, commands: string[]) =>
      planOf('x', 'y', [{ name: 'deploy', steps: [step(key, commands)], environment: staging }]);
    const first = await build(deploy('ship-a', [waitFor('a-go')]));
    await startedStep(backend, '-ship-a-');
    const stale = deploy('ship-b', ['echo b']);
    const runtime = runtimeFor(
      stale,
      { locks: first.runtime.deps.locks, stillHead: async () => false },
      { backend, state },
    );
    await state.builds.create(recordForPlan(stale, 'now'));
    expect(await runBuild(stale, runtime.deps)).toBe('failure');
    expect(summary(runtime.events)).toEqual(['deploy/staging:refused']);
    expect(starts(backend, '-ship-b-')).toBe(0);
    send('a-go');
    expect(await first.done).toBe('success');
  });
});

describe('runBuild with approvals', () => {
  const production: PlanEnvironment = {
    name: 'production',
    approval: { required: true, users: [], teams: [], count: 1, expiresMs: 3_600_000, allowSelfApproval: false },
    locks: [],
  };
  const deployPlan = () =>
    planOf('x', 'y', [
      { name: 'test', steps: [step('unit', ['echo unit'])] },
      { name: 'deploy', steps: [step('ship', ['echo shipped'])], environment: production },
    ]);
  const maya = (decision: 'approve' | 'reject'): ApprovalDecision => ({
    user: 'maya',
    decision,
    at: NOW.toISOString(),
    via: 'api',
    counted: true,
  });

  /** What the approver does once a decision counts. */
  async function decide(runtime: Runtime, buildId: string, decision: 'approve' | 'reject') {
    const parked = (await runtime.state.approvals.get(buildId))!;
    parked.request.decisions.push(maya(decision));
    parked.request.state = decision === 'approve' ? 'approved' : 'rejected';
    await runtime.state.approvals.put(parked);
  }

  function withGate(plan: Plan): Runtime {
    const state = memoryState();
    return runtimeFor(plan, { approvals: approvalGate(state.approvals, state.queues, () => NOW) }, { state });
  }

  it('parks a deploy that needs an approval, holding no worker, and deploys when run again approved', async () => {
    const plan = deployPlan();
    const runtime = withGate(plan);
    const { state, backend, events, deps } = runtime;
    await state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, deps)).toBe('waiting');
    expect(events.at(-1)).toEqual({
      stage: 'deploy/production',
      state: 'waiting',
      reason:
        'for approval by anyone with maintain permission (/approve on the pull request, or the API) ' +
        'until 2024-05-01 11:00 UTC',
    });
    expect((await state.builds.get(plan.buildId))?.state).toBe('waiting');
    expect((await state.approvals.get(plan.buildId))?.request).toMatchObject({
      environment: 'production',
      state: 'pending',
    });
    expect(state.queues.job('approvals', `${plan.buildId}-expire`)).toMatchObject({ delayMs: 3_600_000 });
    expect(starts(backend, '-ship-')).toBe(0);
    // Nothing is left running while it waits.
    expect(await backend.buildsPresent()).toEqual([]);

    await decide(runtime, plan.buildId, 'approve');
    expect(await runBuild(plan, deps)).toBe('success');
    expect(starts(backend, '-unit-')).toBe(1);
    expect(starts(backend, '-checkout-')).toBe(2);
    expect(starts(backend, '-ship-')).toBe(1);
    expect(summary(events).slice(-2)).toEqual(['deploy/production:running', 'deploy/production:success']);
  });

  it('does not deploy a rejected build, and refuses to deploy without a way to collect approvals', async () => {
    const plan = deployPlan();
    const runtime = withGate(plan);
    await runtime.state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, runtime.deps)).toBe('waiting');
    await decide(runtime, plan.buildId, 'reject');
    expect(await runBuild(plan, runtime.deps)).toBe('failure');
    expect(runtime.events.at(-1)).toEqual({
      stage: 'deploy/production',
      state: 'refused',
      reason: 'Not deployed: rejected by maya',
    });
    expect(starts(runtime.backend, '-ship-')).toBe(0);

    const ungated = deployPlan();
    const bare = runtimeFor(ungated);
    await bare.state.builds.create(recordForPlan(ungated, 'now'));
    expect(await runBuild(ungated, bare.deps)).toBe('error');
    expect(bare.events.at(-1)).toMatchObject({ state: 'error', reason: expect.stringContaining('needs an approval') });
    expect(starts(bare.backend, '-ship-')).toBe(0);
  });

  it('runs nothing of a build that needs an approval to run at all until it is given', async () => {
    const plan = planOf('x', 'y', [{ name: 'test', steps: [step('unit', ['echo unit'])] }], {
      runApproval: { required: true, users: [], teams: [], count: 1, expiresMs: 3_600_000, allowSelfApproval: false },
    });
    const runtime = withGate(plan);
    await runtime.state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, runtime.deps)).toBe('waiting');
    expect(runtime.backend.started).toEqual([]);
    await decide(runtime, plan.buildId, 'approve');
    expect(await runBuild(plan, runtime.deps)).toBe('success');
    expect(starts(runtime.backend, '-unit-')).toBe(1);
  });
});
