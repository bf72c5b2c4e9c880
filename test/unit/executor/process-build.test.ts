import { describe, expect, it } from '@jest/globals';
import { recordForPlan } from '../../../services/core/builds/record-for-plan.js';
import type { Plan } from '../../../services/core/plan/types.js';
import { FakeBackend } from '../../../services/executor/backend/fake-backend.js';
import { giveUp, processBuild, type ExecutorDeps } from '../../../services/executor/process-build.js';
import { RunningBuilds } from '../../../services/executor/running-builds.js';
import { createLogger } from '../../../services/shared/logger.js';
import { memoryState, type MemoryState } from '../../../services/shared/memory/memory-state.js';
import { planOf, step } from '../../support/plan-fixtures.js';
import { startedStep, starts } from './runtime-fixtures.js';

/** The executor's build jobs as its worker runs them: stops through the Stops port, events onto the queues. */
describe('a build job', () => {
  function executor(): { state: MemoryState; backend: FakeBackend; deps: ExecutorDeps; running: RunningBuilds } {
    const state = memoryState();
    const backend = new FakeBackend();
    const logger = createLogger('test', true);
    const deps: ExecutorDeps = {
      backend,
      builds: state.builds,
      logs: state.logs,
      queues: state.queues,
      staging: state.staging,
      locks: state.locks,
      secretsFor: () => ({}),
      schedulingTimeoutMs: 5_000,
      publicUrl: 'http://slipway.test',
      logger,
    };
    return { state, backend, deps, running: new RunningBuilds(state.stops, logger) };
  }
  const run = async (e: ReturnType<typeof executor>, plan: Plan) => {
    plan.checkout = { ...plan.checkout, script: 'echo checked out' };
    await e.state.builds.create(recordForPlan(plan, 'now'));
    return e.running.run(plan.buildId, (stops) => processBuild({ plan }, e.deps, stops));
  };
  const statuses = (state: MemoryState) =>
    state.queues
      .jobs('statuses')
      .map((j) => `${j.payload.status.context} ${j.payload.status.state} ${j.payload.status.description}`);

  it('stops when a cancellation is announced, and posts why on every stage left', async () => {
    const e = executor();
    const stopListening = await e.running.listen();
    const plan = planOf('x', 'y', [
      { name: 'test', steps: [step('forever', ['sleep 30'])] },
      { name: 'e2e', steps: [step('later', ['true'])] },
    ]);
    const done = run(e, plan);
    await startedStep(e.backend, '-forever-');
    await e.state.stops.cancel(plan.buildId, 'cancelled through the API');
    expect(await done).toBe('cancelled');
    expect(statuses(e.state)).toEqual([
      'slipway/test pending Running',
      'slipway/test error Cancelled: cancelled through the API',
      'slipway/e2e error Cancelled: cancelled through the API',
    ]);
    expect(starts(e.backend, '-later-')).toBe(0);
    await stopListening();
  });

  it('starts no stage of a build cancelled before its job ran, even without the announcement', async () => {
    const e = executor();
    const plan = planOf('x', 'y', [{ name: 'test', steps: [step('unit', ['true'])] }]);
    await e.state.stops.cancel(plan.buildId, 'the pull request was closed');
    expect(await run(e, plan)).toBe('cancelled');
    expect(starts(e.backend, '-unit-')).toBe(0);
  });

  it('stops a build superseded by a newer push to its branch', async () => {
    const e = executor();
    const stopListening = await e.running.listen();
    const plan = planOf('x', 'y', [{ name: 'test', steps: [step('slow', ['sleep 30'])] }]);
    await e.state.stops.supersedeOlder(plan.request.repo, plan.request.ref, plan.buildId, plan.request.sha);
    const done = run(e, plan);
    await startedStep(e.backend, '-slow-');
    await e.state.stops.supersedeOlder(plan.request.repo, plan.request.ref, 'b-newer', 'abc1234def');
    expect(await done).toBe('cancelled');
    expect(statuses(e.state).at(-1)).toBe('slipway/test success Not run to the end: superseded by abc1234');
    await stopListening();
  });

  it('queues a deploy as a GitHub deployment, and marks a commit deployed to staging as verified', async () => {
    const e = executor();
    const plan = planOf('x', 'y', [
      { name: 'deploy', steps: [step('ship', ['echo shipped'])], environment: { name: 'staging', locks: [] } },
    ]);
    expect(await run(e, plan)).toBe('success');
    expect(e.state.queues.jobs('deployments').map((j) => [j.jobId, j.payload.state, j.payload.logUrl])).toEqual([
      [`${plan.buildId}-dep-staging-0`, 'in_progress', `http://slipway.test/builds/${plan.buildId}/steps/ship/log`],
      [`${plan.buildId}-dep-staging-1`, 'success', `http://slipway.test/builds/${plan.buildId}/steps/ship/log`],
    ]);
    expect(await e.state.staging.verifiedBy(plan.request.repo, plan.request.sha)).toBe(plan.buildId);
    expect(statuses(e.state)).toContain(
      `slipway/staging-verified success Passed e2e and deployed to staging in build ${plan.buildId}`,
    );
  });

  it('ends every unfinished stage in error once its retries are spent', async () => {
    const e = executor();
    const plan = planOf('x', 'y', [
      { name: 'test', steps: [step('unit', ['true'])] },
      { name: 'e2e', steps: [step('browser', ['true'])] },
    ]);
    const record = recordForPlan(plan, 'now');
    record.stages[0]!.state = 'success';
    await e.state.builds.create(record);
    await giveUp({ plan }, new Error('Redis went away'), e.deps);
    expect(statuses(e.state)).toEqual(['slipway/e2e error Slipway could not run the build: Redis went away']);
    expect((await e.state.builds.get(plan.buildId))?.state).toBe('error');
  });
});
