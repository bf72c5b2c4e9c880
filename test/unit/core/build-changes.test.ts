import { describe, expect, it } from '@jest/globals';
import { buildChanges } from '../../../services/core/builds/build-changes.js';
import type { BuildRecord } from '../../../services/core/builds/record.js';
import { carryPassed, isCarried, rerunSteps } from '../../../services/core/builds/rerun-plan.js';
import { buildRecord } from '../../support/port-conformance/fixtures.js';

const AT = '2024-05-01T10:00:05.000Z';

/** A build of three stages: test (unit passed, lint failed), e2e (never ran), deploy (never ran). */
function failedBuild(): BuildRecord {
  return buildRecord('b1', '2024-05-01T10:00:00.000Z', {
    state: 'failure',
    checkout: { key: 'checkout', name: 'checkout', state: 'success', image: 'git' },
    stages: [
      {
        name: 'test',
        state: 'failure',
        steps: [
          { key: 'unit', name: 'unit', state: 'success', image: 'x' },
          { key: 'lint', name: 'lint', state: 'failure', image: 'x', exitCode: 1 },
        ],
      },
      { name: 'e2e', state: 'skipped', steps: [{ key: 'browser', name: 'browser', state: 'skipped', image: 'x' }] },
      { name: 'deploy', state: 'skipped', steps: [{ key: 'ship', name: 'ship', state: 'skipped', image: 'x' }] },
    ],
  });
}

describe('build events from record changes', () => {
  it('announces a new build once, with a summary that carries no clone URL', () => {
    const events = buildChanges(undefined, failedBuild(), AT);
    expect(events).toEqual([
      expect.objectContaining({ kind: 'build', buildId: 'b1', repo: 'acme/api', state: 'failure', at: AT }),
    ]);
    expect(events[0]!.build).toMatchObject({ id: 'b1', branch: 'master', sha: 'a'.repeat(40), trigger: 'push' });
    expect(JSON.stringify(events)).not.toContain('github.com/acme/api.git');
  });

  it('tells each build, stage and step state change, in that order, and nothing for an unchanged put', () => {
    const before = failedBuild();
    const after = structuredClone(before);
    after.state = 'running';
    after.stages[1]!.state = 'running';
    after.stages[1]!.steps[0]!.state = 'running';
    after.checkout!.state = 'running';
    expect(buildChanges(before, after, AT).map((e) => [e.kind, e.stage, e.step, e.state])).toEqual([
      ['build', undefined, undefined, 'running'],
      ['stage', 'e2e', undefined, 'running'],
      ['step', undefined, 'checkout', 'running'],
      ['step', 'e2e', 'browser', 'running'],
    ]);
    expect(buildChanges(after, structuredClone(after), AT)).toEqual([]);
  });

  it('tells each approval decision added, and the approval settling', () => {
    const before = failedBuild();
    before.approval = {
      buildId: 'b1',
      environment: 'production',
      rules: { required: true, users: [], teams: [], count: 2, expiresMs: 1000, allowSelfApproval: false },
      pusher: 'octocat',
      requestedAt: AT,
      expiresAt: AT,
      decisions: [],
      state: 'pending',
    };
    const after = structuredClone(before);
    after.approval!.decisions.push({ user: 'maya', decision: 'approve', at: AT, via: 'api', counted: true });
    const events = buildChanges(before, after, AT);
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'approval',
        stage: 'production',
        approval: {
          environment: 'production',
          state: 'pending',
          decision: { user: 'maya', decision: 'approve', counted: true, at: AT },
        },
      }),
    ]);
    const settled = structuredClone(after);
    settled.approval!.state = 'approved';
    expect(buildChanges(after, settled, AT)).toEqual([
      expect.objectContaining({ kind: 'approval', approval: { environment: 'production', state: 'approved' } }),
    ]);
  });

  it('never throws on a record stored in a shape it should not have', () => {
    const bad = { id: 'x', state: 'running', createdAt: AT, stages: 'nope', request: null } as unknown as BuildRecord;
    expect(buildChanges(undefined, bad, AT)).toHaveLength(1);
    expect(buildChanges(bad, { ...bad, stages: [null] } as unknown as BuildRecord, AT)).toEqual([]);
  });
});

describe('what a re-run runs', () => {
  it('runs everything when asked for the whole build', () => {
    expect(rerunSteps(failedBuild(), { failedOnly: false })).toEqual({ ok: true, steps: undefined });
  });

  it('with failed only, runs what did not pass (the failure and the stages it kept from running)', () => {
    expect(rerunSteps(failedBuild(), { failedOnly: true })).toEqual({ ok: true, steps: ['lint', 'browser', 'ship'] });
    expect(rerunSteps(failedBuild(), { failedOnly: true, stage: 'e2e' })).toEqual({
      ok: true,
      steps: ['browser', 'ship'],
    });
    expect(rerunSteps(failedBuild(), { failedOnly: false, stage: 'e2e' })).toEqual({
      ok: true,
      steps: ['browser', 'ship'],
    });
  });

  it('refuses a stage the build does not have, and a failed-only re-run of a build where everything passed', () => {
    expect(rerunSteps(failedBuild(), { failedOnly: true, stage: 'nope' })).toMatchObject({
      ok: false,
      reason: 'no-such-stage',
    });
    const passed = failedBuild();
    for (const stage of passed.stages) for (const step of stage.steps) step.state = 'success';
    expect(rerunSteps(passed, { failedOnly: true })).toMatchObject({ ok: false, reason: 'nothing-failed' });
  });

  it('carries what passed on the new record: skipped with the reason, a stage carried whole as passed', () => {
    const fresh = buildRecord('b2', AT, {
      stages: [
        {
          name: 'test',
          state: 'queued',
          steps: [
            { key: 'unit', name: 'unit', state: 'queued', image: 'x' },
            { key: 'lint', name: 'lint', state: 'queued', image: 'x' },
          ],
        },
        { name: 'e2e', state: 'queued', steps: [{ key: 'browser', name: 'browser', state: 'queued', image: 'x' }] },
        { name: 'build', state: 'queued', steps: [{ key: 'image', name: 'image', state: 'queued', image: 'x' }] },
      ],
    });
    const record = carryPassed(fresh, { buildId: 'b1', steps: ['lint', 'browser'] });
    expect(record.rerunOf).toEqual({ buildId: 'b1', steps: ['lint', 'browser'] });
    expect(record.stages.map((s) => [s.name, s.state, s.description])).toEqual([
      ['test', 'queued', undefined],
      ['e2e', 'queued', undefined],
      ['build', 'success', 'passed in build b1'],
    ]);
    expect(record.stages[0]!.steps.map((s) => [s.key, s.state, s.reason])).toEqual([
      ['unit', 'skipped', 'passed in build b1'],
      ['lint', 'queued', undefined],
    ]);
    expect(isCarried(record.stages[0]!.steps[0]!)).toBe(true);
    expect(isCarried({ state: 'skipped', reason: 'not run: test failed' })).toBe(false);
  });
});
