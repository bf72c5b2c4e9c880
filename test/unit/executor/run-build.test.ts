import { describe, expect, it } from '@jest/globals';
import { recordForPlan } from '../../../services/core/builds/record-for-plan.js';
import type { Plan } from '../../../services/core/plan/types.js';
import type { StageEvent } from '../../../services/core/status/types.js';
import { FakeBackend } from '../../../services/executor/backend/fake-backend.js';
import { runBuild } from '../../../services/executor/run-build.js';
import { createLogger } from '../../../services/shared/logger.js';
import { MemoryBuildStore } from '../../../services/shared/memory-build-store.js';
import { planOf, step } from '../../support/plan-fixtures.js';

/** The runtime's rules, on the in-memory backend: fast, no Docker. */
function setup(plan: Plan) {
  const backend = new FakeBackend();
  const store = new MemoryBuildStore();
  const events: StageEvent[] = [];
  const deps = {
    backend,
    store,
    report: async (e: StageEvent) => void events.push(e),
    secretsFor: () => ({}),
    schedulingTimeoutMs: 5_000,
    logger: createLogger('test', true),
  };
  plan.checkout = { ...plan.checkout, script: 'echo checked out' };
  return { backend, store, events, deps };
}

/** Waits until the fake backend has started a step whose service name contains `part`. */
async function startedStep(backend: FakeBackend, part: string): Promise<void> {
  for (let i = 0; i < 200 && !backend.started.some((name) => name.includes(part)); i++)
    await new Promise((r) => setTimeout(r, 25));
  if (!backend.started.some((name) => name.includes(part))) throw new Error(`step ${part} never started`);
}

const summary = (events: StageEvent[]) => events.map((e) => `${e.stage}:${e.state}`);

describe('runBuild', () => {
  it('runs the stages in order and stops at the first that fails, saying why the others did not run', async () => {
    const plan = planOf('x', 'y', [
      { name: 'test', steps: [step('a', ['echo a']), step('b', ['echo b'])] },
      { name: 'e2e', steps: [step('c', ['exit 2'])] },
      { name: 'deploy', steps: [step('d', ['echo d'])] },
    ]);
    const { store, events, deps, backend } = setup(plan);
    await store.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, deps)).toBe('failure');
    expect(summary(events)).toEqual(['test:running', 'test:success', 'e2e:running', 'e2e:failure', 'deploy:skipped']);
    expect(events.at(-1)).toMatchObject({ blockedBy: 'e2e', blockedState: 'failure' });
    expect(backend.started.some((name) => name.includes('-d-'))).toBe(false);
    expect(await store.log(plan.buildId, 'c')).toEqual([expect.objectContaining({ text: '$ exit 2' })]);
  });

  it('ends every stage in error when the checkout cannot run', async () => {
    const plan = planOf('x', 'y', [{ name: 'test', steps: [step('a', ['echo a'])] }]);
    const { store, events, deps } = setup(plan);
    plan.checkout = { ...plan.checkout, image: 'missing/git' };
    await store.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, deps)).toBe('error');
    expect(events).toEqual([{ stage: 'test', state: 'skipped', blockedBy: 'checkout', blockedState: 'error' }]);
  });

  it('does not run again a step whose outcome is recorded (a re-delivered build job)', async () => {
    const plan = planOf('x', 'y', [{ name: 'test', steps: [step('once', ['echo once'])] }]);
    const { store, deps, backend } = setup(plan);
    await store.create(recordForPlan(plan, 'now'));
    await runBuild(plan, deps);
    const record = (await store.get(plan.buildId))!;
    await store.put({ ...record, state: 'running' });
    expect(await runBuild(plan, deps)).toBe('success');
    expect(backend.started.filter((name) => name.includes('-once-'))).toHaveLength(1);
  });

  it(
    'lets a deploy under way finish ' +
      'when a newer push supersedes the build, ' +
      'and skips one ' +
      'not yet started',
    async () => {
      const plan = planOf('x', 'y', [{ name: 'deploy', steps: [step('ship', ['sleep 1', 'echo shipped'])] }]);
      const { store, events, deps, backend } = setup(plan);
      await store.create(recordForPlan(plan, 'now'));
      const supersede = new AbortController();
      const running = runBuild(plan, deps, { supersede: supersede.signal });
      await startedStep(backend, '-ship-');
      supersede.abort('superseded by abc1234');
      expect(await running).toBe('success');
      expect(summary(events)).toEqual(['deploy:running', 'deploy:success']);

      const later = planOf('x', 'y', [
        { name: 'test', steps: [step('t', ['sleep 5'])] },
        { name: 'deploy', steps: [step('ship', ['echo shipped'])] },
      ]);
      const second = setup(later);
      await second.store.create(recordForPlan(later, 'now'));
      const stop = new AbortController();
      const run2 = runBuild(later, second.deps, { supersede: stop.signal });
      await startedStep(second.backend, '-t-');
      stop.abort('superseded by abc1234');
      expect(await run2).toBe('cancelled');
      expect(second.events.filter((e) => e.state === 'cancelled')).toEqual([
        { stage: 'test', state: 'cancelled', reason: 'superseded by abc1234' },
        { stage: 'deploy', state: 'cancelled', reason: 'superseded by abc1234' },
      ]);
    },
  );
});
