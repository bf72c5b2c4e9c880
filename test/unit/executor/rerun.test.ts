import { describe, expect, it } from '@jest/globals';
import { recordForPlan } from '../../../services/core/builds/record-for-plan.js';
import { RerunRefused } from '../../../services/core/errors/rerun-refused.js';
import { runBuild } from '../../../services/executor/run-build.js';
import { requestRerun } from '../../../services/shared/rerun.js';
import { planOf, step } from '../../support/plan-fixtures.js';
import { runtimeFor, summary } from './runtime-fixtures.js';

/** Re-runs on memory ports and the fake backend: the request requestRerun queues, planned and run. */
describe('re-running a build', () => {
  // test passes; e2e has one step that fails the first time; deploy does not run then.
  const stages = (flakyScript: string) => [
    { name: 'test' as const, steps: [step('unit', ['echo unit'])] },
    { name: 'e2e' as const, steps: [step('browser', ['echo browser']), step('flaky', [flakyScript])] },
    { name: 'deploy' as const, steps: [step('ship', ['echo ship'])] },
  ];

  async function failedFirst() {
    const plan = planOf('x', 'c'.repeat(40), stages('exit 3'));
    const runtime = runtimeFor(plan);
    await runtime.state.builds.create(recordForPlan(plan, '2024-05-01T10:00:00.000Z'));
    expect(await runBuild(plan, runtime.deps)).toBe('failure');
    return { plan, runtime };
  }

  it('with failed only, runs only what did not pass: a new, linked build of the same commit, audited', async () => {
    const { plan: first, runtime } = await failedFirst();
    const { state, backend } = runtime;
    const { buildId } = await requestRerun(
      { state },
      { buildId: first.buildId, failedOnly: true, by: 'maya', via: 'api' },
    );
    expect(buildId).not.toBe(first.buildId);
    const job = state.queues.jobs('requests').at(-1)!;
    const request = (job.payload as { request: typeof first.request }).request;
    expect(request).toMatchObject({
      sha: first.request.sha,
      ref: first.request.ref,
      sender: 'maya',
      rerunOf: { buildId: first.buildId, steps: ['flaky', 'ship'] },
    });

    // What the planner does with it: the same plan (the spec at that commit), a new record.
    const plan = planOf('x', request.sha, stages('true'));
    plan.request = request;
    plan.buildId = buildId;
    const again = runtimeFor(plan, {}, { state, backend });
    const startedBefore = backend.started.length;
    await state.builds.create(recordForPlan(plan, '2024-05-01T11:00:00.000Z'));
    expect(await runBuild(plan, again.deps)).toBe('success');
    const ran = backend.started.slice(startedBefore).filter((n) => !n.includes('-checkout-'));
    expect(ran.map((n) => /-(flaky|ship|unit|browser)-/.exec(n)?.[1])).toEqual(['flaky', 'ship']);

    const record = (await state.builds.get(buildId))!;
    expect(record.rerunOf).toEqual({ buildId: first.buildId, steps: ['flaky', 'ship'] });
    const steps = record.stages.flatMap((s) => s.steps.map((st) => [st.key, st.state, st.reason]));
    const carried = `passed in build ${first.buildId}`;
    expect(steps).toEqual([
      ['unit', 'skipped', carried],
      ['browser', 'skipped', carried],
      ['flaky', 'success', undefined],
      ['ship', 'success', undefined],
    ]);
    expect(record.stages.map((s) => [s.name, s.state])).toEqual([
      ['test', 'success'],
      ['e2e', 'success'],
      ['deploy', 'success'],
    ]);
    // The stage carried whole says it passed, on the commit's status too.
    expect(summary(again.events)).toEqual([
      'test:success',
      'e2e:running',
      'e2e:success',
      'deploy:running',
      'deploy:success',
    ]);
    const audit = await state.audit.list({ limit: 10, kinds: ['rerun'] });
    expect(audit).toEqual([
      expect.objectContaining({
        kind: 'rerun',
        actor: 'maya',
        buildId,
        of: first.buildId,
        failedOnly: true,
        via: 'api',
      }),
    ]);
    // Every change was published as a build event.
    const events = state.events.all().filter((e) => e.buildId === buildId);
    expect(events[0]).toMatchObject({ kind: 'build', state: 'queued', build: { rerunOf: first.buildId } });
    expect(events.at(-1)).toMatchObject({ kind: 'build', state: 'success' });
    expect(events.filter((e) => e.kind === 'step').map((e) => `${e.step}:${e.state}`)).toEqual([
      'checkout:running',
      'checkout:success',
      'flaky:running',
      'flaky:success',
      'ship:running',
      'ship:success',
    ]);
  });

  it('refuses what cannot be re-run, with a reason the API can answer with', async () => {
    const { plan, runtime } = await failedFirst();
    const { state } = runtime;
    const ask = (buildId: string, extra: { stage?: string } = {}) =>
      requestRerun({ state }, { buildId, failedOnly: true, by: 'maya', via: 'cli', ...extra });
    await expect(ask('nope')).rejects.toMatchObject({ reason: 'not-found' });
    await expect(ask(plan.buildId, { stage: 'build' })).rejects.toBeInstanceOf(RerunRefused);
    const running = recordForPlan(planOf('x', 'y', stages('true')), 'now');
    running.state = 'running';
    await state.builds.create(running);
    await expect(ask(running.id)).rejects.toMatchObject({ reason: 'not-finished' });
    expect(state.queues.jobs('requests')).toEqual([]);
  });

  it('queues one re-run for one key (a redelivered check_run webhook)', async () => {
    const { plan, runtime } = await failedFirst();
    const { state } = runtime;
    const input = {
      buildId: plan.buildId,
      failedOnly: false,
      by: 'maya',
      via: 'check_run' as const,
      key: 'delivery-1',
    };
    const one = await requestRerun({ state }, input);
    const two = await requestRerun({ state }, input);
    expect(two).toEqual(one);
    expect(state.queues.jobs('requests')).toHaveLength(1);
  });

  it("keeps a manual run's secret parameters for its re-run, under the new request", async () => {
    const { plan, runtime } = await failedFirst();
    const { state } = runtime;
    const record = (await state.builds.get(plan.buildId))!;
    record.request = { ...record.request, secretParams: ['TOKEN'] };
    await state.builds.put(record);
    await state.secretParams.put(record.request.id, { TOKEN: 'hunter2' }, 60_000);
    await requestRerun({ state }, { buildId: plan.buildId, failedOnly: true, by: 'maya', via: 'api' });
    const job = state.queues.jobs('requests').at(-1)!.payload as { request: { id: string } };
    expect(await state.secretParams.get(job.request.id)).toEqual({ TOKEN: 'hunter2' });
    expect(JSON.stringify(job)).not.toContain('hunter2');
  });
});
