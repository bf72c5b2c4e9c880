import { describe, expect, it } from '@jest/globals';
import { recordForPlan } from '../../../services/core/builds/record-for-plan.js';
import { runBuild } from '../../../services/executor/run-build.js';
import { eventually } from '../../support/eventually.js';
import { planOf, step } from '../../support/plan-fixtures.js';
import { runtimeFor, signals, startedStep, starts, summary } from './runtime-fixtures.js';

/** The runtime's rules, on the fake backend and memory ports: fast, no Docker, no Redis. */
describe('runBuild', () => {
  it('runs the stages in order and stops at the first that fails, saying why the others did not run', async () => {
    const plan = planOf('x', 'y', [
      { name: 'test', steps: [step('a', ['echo a']), step('b', ['echo b'])] },
      { name: 'e2e', steps: [step('c', ['exit 2'])] },
      { name: 'deploy', steps: [step('d', ['echo d'])] },
    ]);
    const { state, events, deps, backend } = runtimeFor(plan);
    await state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, deps)).toBe('failure');
    expect(summary(events)).toEqual(['test:running', 'test:success', 'e2e:running', 'e2e:failure', 'deploy:skipped']);
    expect(events.at(-1)).toMatchObject({ blockedBy: 'e2e', blockedState: 'failure' });
    expect(starts(backend, '-d-')).toBe(0);
    expect(await state.logs.read(plan.buildId, 'c')).toEqual([expect.objectContaining({ text: '$ exit 2' })]);
    expect((await state.builds.get(plan.buildId))?.stages.map((s) => s.state)).toEqual([
      'success',
      'failure',
      'skipped',
    ]);
  });

  it('runs the steps of a stage at the same time', async () => {
    const { waitFor, raise } = signals();
    const plan = planOf('x', 'y', [
      {
        name: 'test',
        // Each waits for the other: run one after the other, the first would give up (exit 9).
        steps: [step('left', [raise('left'), waitFor('right')]), step('right', [raise('right'), waitFor('left')])],
      },
    ]);
    const { state, events, deps } = runtimeFor(plan);
    await state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, deps)).toBe('success');
    expect(events.at(-1)).toMatchObject({ stage: 'test', state: 'success', steps: 2 });
  });

  it('ends every stage in error when the checkout cannot run', async () => {
    const plan = planOf('x', 'y', [{ name: 'test', steps: [step('a', ['echo a'])] }]);
    const { state, events, deps } = runtimeFor(plan);
    plan.checkout = { ...plan.checkout, image: 'missing/git' };
    await state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, deps)).toBe('error');
    expect(events).toEqual([{ stage: 'test', state: 'skipped', blockedBy: 'checkout', blockedState: 'error' }]);
  });

  it('ends a step that runs past its time limit as a failure that says so', async () => {
    const plan = planOf('x', 'y', [{ name: 'test', steps: [step('slow', ['sleep 30'], { timeoutMs: 1_000 })] }]);
    const { state, events, deps } = runtimeFor(plan);
    await state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, deps)).toBe('failure');
    expect(events.at(-1)).toMatchObject({
      stage: 'test',
      state: 'failure',
      exitCode: 124,
      reason: 'timed out after 1s',
    });
  });

  it('cancels a build that runs past its own time limit', async () => {
    const plan = planOf('x', 'y', [{ name: 'test', steps: [step('slow', ['sleep 30'])] }], { timeoutMs: 1_000 });
    const { state, events, deps } = runtimeFor(plan);
    await state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, deps)).toBe('cancelled');
    expect(events.at(-1)).toMatchObject({ stage: 'test', state: 'cancelled', reason: 'the build timed out after 0m' });
  });

  it('retries a step that could not run, and never one that exited non-zero', async () => {
    const plan = planOf('x', 'y', [
      { name: 'test', steps: [step('flaky-infra', ['true'], { image: 'not-pulled', retries: 2 })] },
    ]);
    const { state, events, deps, backend } = runtimeFor(plan);
    await state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, deps)).toBe('error');
    expect(backend.started.filter((n) => n.includes('-flaky-infra-'))).toEqual([
      expect.stringMatching(/-flaky-infra-1$/),
      expect.stringMatching(/-flaky-infra-2$/),
      expect.stringMatching(/-flaky-infra-3$/),
    ]);
    expect(events.at(-1)).toMatchObject({ state: 'error', reason: expect.stringContaining('No such image') });

    const failing = planOf('x', 'y', [{ name: 'test', steps: [step('red', ['exit 3'], { retries: 2 })] }]);
    const second = runtimeFor(failing);
    await second.state.builds.create(recordForPlan(failing, 'now'));
    expect(await runBuild(failing, second.deps)).toBe('failure');
    expect(starts(second.backend, '-red-')).toBe(1);
    expect((await second.state.builds.get(failing.buildId))?.stages[0]?.steps[0]).toMatchObject({
      state: 'failure',
      exitCode: 3,
      attempt: 1,
    });
  });

  it('stops a cancelled build: the running step ends and the stages after it are cancelled', async () => {
    const plan = planOf('x', 'y', [
      { name: 'test', steps: [step('forever', ['echo started', 'sleep 30'])] },
      { name: 'deploy', steps: [step('ship', ['echo shipped'])] },
    ]);
    const { state, events, deps, backend } = runtimeFor(plan);
    await state.builds.create(recordForPlan(plan, 'now'));
    const cancel = new AbortController();
    const running = runBuild(plan, deps, { cancel: cancel.signal });
    await startedStep(backend, '-forever-');
    cancel.abort('cancelled through the API');
    expect(await running).toBe('cancelled');
    expect(events.filter((e) => e.state === 'cancelled')).toEqual([
      { stage: 'test', state: 'cancelled', reason: 'cancelled through the API' },
      { stage: 'deploy', state: 'cancelled', reason: 'cancelled through the API' },
    ]);
    expect(starts(backend, '-ship-')).toBe(0);
    expect(await backend.buildsPresent()).toEqual([]);
  });

  it('lets a deploy under way finish when a newer push supersedes the build, and skips one not started', async () => {
    const plan = planOf('x', 'y', [{ name: 'deploy', steps: [step('ship', ['sleep 1', 'echo shipped'])] }]);
    const { state, events, deps, backend } = runtimeFor(plan);
    await state.builds.create(recordForPlan(plan, 'now'));
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
    const second = runtimeFor(later);
    await second.state.builds.create(recordForPlan(later, 'now'));
    const stop = new AbortController();
    const run2 = runBuild(later, second.deps, { supersede: stop.signal });
    await startedStep(second.backend, '-t-');
    stop.abort('superseded by abc1234');
    expect(await run2).toBe('cancelled');
    expect(second.events.filter((e) => e.state === 'cancelled')).toEqual([
      { stage: 'test', state: 'cancelled', reason: 'superseded by abc1234' },
      { stage: 'deploy', state: 'cancelled', reason: 'superseded by abc1234' },
    ]);
  });

  it('does not run again a step whose outcome is recorded (a re-delivered build job)', async () => {
    const plan = planOf('x', 'y', [{ name: 'test', steps: [step('once', ['echo once'])] }]);
    const { state, deps, backend } = runtimeFor(plan);
    await state.builds.create(recordForPlan(plan, 'now'));
    await runBuild(plan, deps);
    const record = (await state.builds.get(plan.buildId))!;
    await state.builds.put({ ...record, state: 'running' });
    expect(await runBuild(plan, deps)).toBe('success');
    expect(starts(backend, '-once-')).toBe(1);
  });

  it('re-attaches to a step still running when the build runs again after a crash, never starting two', async () => {
    const { waitFor, send } = signals();
    const plan = planOf('x', 'y', [
      { name: 'test', steps: [step('survivor', ['echo begin', waitFor('go'), 'echo done'])] },
    ]);
    const first = runtimeFor(plan);
    await first.state.builds.create(recordForPlan(plan, 'now'));
    // The first executor started the step, then died: its run is left behind, never finished.
    const abandoned = runBuild(plan, first.deps);
    await startedStep(first.backend, '-survivor-');
    // A second executor picks the stalled job up, on the same record and engine.
    const said: string[] = [];
    const logger = { ...first.deps.logger, info: (msg: string) => void said.push(msg) };
    const second = runtimeFor(plan, { logger }, { backend: first.backend, state: first.state });
    const resumed = runBuild(plan, second.deps);
    await eventually('the second run to re-attach', () =>
      said.includes('re-attached to a running step') ? true : undefined,
    );
    send('go');
    expect(await resumed).toBe('success');
    await abandoned;
    expect(starts(first.backend, '-survivor-')).toBe(1);
    expect((await first.state.logs.read(plan.buildId, 'survivor')).map((l) => l.text)).toEqual([
      '$ echo begin',
      'begin',
      expect.stringMatching(/^\$ i=0; while/),
      '$ echo done',
      'done',
    ]);
  });

  it("begins each step's log with how to run it locally", async () => {
    const plan = planOf('x', 'y', [{ name: 'test', steps: [step('unit', ['echo unit ok'])] }]);
    const { state, deps } = runtimeFor(plan, { reproduceLines: true });
    await state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, deps)).toBe('success');
    const texts = (await state.logs.read(plan.buildId, 'unit')).map((l) => l.text);
    expect(texts.slice(0, 2)).toEqual([
      '[slipway] to run this step on your machine (Docker in swarm mode, image slipway/busybox:1):',
      `[slipway]   git clone https://github.com/acme/exec.git exec && cd exec && git checkout -q y && npx slipway run --step unit`,
    ]);
    expect(texts.slice(2)).toEqual(['$ echo unit ok', 'unit ok']);
    // The checkout is how the workspace is made, not a step one reproduces.
    expect((await state.logs.read(plan.buildId, 'checkout')).some((l) => l.text.startsWith('[slipway]'))).toBe(false);
  });

  it('never puts a secret value in a log', async () => {
    const plan = planOf('x', 'y', [
      { name: 'test', steps: [step('leaky', ['echo "token is hunter2-secret"'], { secrets: ['deploy-key'] })] },
    ]);
    const { state, deps } = runtimeFor(plan, { secretsFor: () => ({ 'deploy-key': 'hunter2-secret', other: 'x' }) });
    await state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, deps)).toBe('success');
    const log = await state.logs.read(plan.buildId, 'leaky');
    expect(log.map((l) => l.text)).toEqual(expect.arrayContaining(['$ echo "token is ***"', 'token is ***']));
    expect(JSON.stringify(log)).not.toContain('hunter2');
  });
});
