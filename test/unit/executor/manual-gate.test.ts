import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { processApproval, type ApproverDeps } from '../../../services/approver/process-approval.js';
import { recordForPlan } from '../../../services/core/builds/record-for-plan.js';
import type { Plan, PlanManualGate } from '../../../services/core/plan/types.js';
import { runBuild } from '../../../services/executor/run-build.js';
import { createGitHub } from '../../../services/shared/github.js';
import { createLogger } from '../../../services/shared/logger.js';
import type { MemoryQueues } from '../../../services/shared/memory/memory-queues.js';
import type { ApprovalJob } from '../../../services/shared/queues.js';
import { GitHubStandIn } from '../../support/github-stand-in.js';
import { planOf, step } from '../../support/plan-fixtures.js';
import { runtimeFor, starts, summary, type Runtime } from './runtime-fixtures.js';

const TOKEN = 'gate-token';
const OWNER = 'acme';
const REPO = 'exec';

const manual = (timeoutMs = 3_600_000): PlanManualGate => ({
  app: { key: 'app', name: 'app', image: 'slipway/busybox:1', env: { MODE: 'demo' }, port: 8080 },
  people: { users: ['tess'], teams: [] },
  instructions: 'Open the page and check the total.',
  timeoutMs,
});

/** A push build whose e2e stage is held for a manual test before it deploys. */
function gatedPlan(timeoutMs?: number): Plan {
  return planOf('x', 'a'.repeat(40), [
    { name: 'test', steps: [step('unit', ['true'])] },
    {
      name: 'e2e',
      steps: [step('browse', ['true'], { stage: 'e2e' })],
      sidecars: [{ key: 'db', name: 'db', image: 'slipway/redis:1', env: {} }],
      manual: manual(timeoutMs),
    },
    { name: 'deploy', steps: [step('ship', ['echo shipped'], { stage: 'deploy' })] },
  ]);
}

/**
 * A manual test gate in the runtime (fake backend, memory ports) and the approver (through the
 * real GitHub client to the stand-in): held with the application up and no job running, then
 * passed, failed or timed out, each torn down.
 */
describe('a manual test gate', () => {
  let standIn: GitHubStandIn;

  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1', token: TOKEN });
    await standIn.createRepo(OWNER, REPO);
    standIn.setPermission(OWNER, REPO, 'tess', 'write');
    standIn.setPermission(OWNER, REPO, 'mallory', 'admin');
  });

  afterAll(async () => {
    expect(standIn.violations).toEqual([]);
    await standIn?.stop();
  });

  async function held(plan: Plan): Promise<{ runtime: Runtime; approver: ApproverDeps; queues: MemoryQueues }> {
    const runtime = runtimeFor(plan);
    const { state } = runtime;
    runtime.deps.gates = { store: state.gates, queues: state.queues };
    await state.builds.create(recordForPlan(plan, new Date().toISOString()));
    expect(await runBuild(plan, runtime.deps)).toBe('waiting');
    const approver: ApproverDeps = {
      github: createGitHub(standIn.apiUrl, { token: TOKEN }),
      approvals: state.approvals,
      gates: state.gates,
      builds: state.builds,
      audit: state.audit,
      queues: state.queues,
      logger: createLogger('test', true),
    };
    return { runtime, approver, queues: state.queues };
  }
  const decide = (deps: ApproverDeps, plan: Plan, user: string, decision: 'pass' | 'fail', reason?: string) => {
    const job: ApprovalJob = {
      kind: 'gate',
      owner: OWNER,
      repo: REPO,
      buildId: plan.buildId,
      user,
      decision,
      ...(reason ? { reason } : {}),
      via: 'api',
    };
    return processApproval(job, deps, `job-${user}-${decision}`);
  };
  /** The build job the approver queued once the gate was settled, as the executor would take it. */
  const resumed = (queues: MemoryQueues, plan: Plan) =>
    queues.jobs('builds').find((j) => j.payload.plan.buildId === plan.buildId);

  it('holds the stage with its application and sidecars up, holding no job, and queues its time-out', async () => {
    const plan = gatedPlan();
    const { runtime, queues } = await held(plan);
    const { backend, state } = runtime;
    const app = [...backend.apps.values()];
    expect(app).toEqual([
      expect.objectContaining({ image: 'slipway/busybox:1', env: { MODE: 'demo' }, port: 8080, key: 'app' }),
    ]);
    const record = (await state.builds.get(plan.buildId))!;
    expect(record.state).toBe('waiting');
    expect(record.gate).toMatchObject({
      url: 'http://fake.invalid:38080',
      instructions: 'Open the page and check the total.',
      people: { users: ['tess'], teams: [] },
      state: 'pending',
    });
    expect(record.stages.map((s) => [s.name, s.state])).toEqual([
      ['test', 'success'],
      ['e2e', 'waiting'],
      ['deploy', 'queued'],
    ]);
    const wait = runtime.events.find((e) => e.stage === 'e2e' && e.state === 'waiting');
    expect(wait).toMatchObject({
      held: true,
      reason: expect.stringMatching(/^for a manual test at http:\/\/fake\.invalid:38080 by tess /),
    });
    expect(queues.jobs('approvals')).toEqual([
      {
        queue: 'approvals',
        payload: { kind: 'gate-expire', buildId: plan.buildId },
        jobId: `${plan.buildId}-gate-expire`,
        delayMs: 3_600_000,
      },
    ]);
    // A job run again while it is held starts nothing and leaves it up.
    expect(await runBuild(plan, runtime.deps)).toBe('waiting');
    expect(backend.apps.size).toBe(1);
    expect(starts(backend, '-ship-')).toBe(0);
  });

  it('does not count a stranger; a named tester passes it, and the deploy runs on a new checkout', async () => {
    const plan = gatedPlan();
    const { runtime, approver, queues } = await held(plan);
    expect(await decide(approver, plan, 'mallory', 'pass')).toBe(
      'not counted: mallory is not among the testers (tess)',
    );
    expect(resumed(queues, plan)).toBeUndefined();
    expect(await decide(approver, plan, 'tess', 'pass', 'looks right')).toBe('passed');
    expect(resumed(queues, plan)?.jobId).toBe(`${plan.buildId}-gate-passed`);
    expect(await runBuild(resumed(queues, plan)!.payload.plan, runtime.deps)).toBe('success');
    expect(runtime.backend.apps.size).toBe(0);
    expect(starts(runtime.backend, '-checkout-')).toBe(2);
    expect(starts(runtime.backend, '-ship-')).toBe(1);
    const record = (await runtime.state.builds.get(plan.buildId))!;
    expect(record.gate?.decisions.map((d) => [d.user, d.counted])).toEqual([
      ['mallory', false],
      ['tess', true],
    ]);
    expect(record.stages.find((s) => s.name === 'e2e')).toMatchObject({
      state: 'success',
      description: 'Manual test passed by tess: looks right',
    });
    expect(summary(runtime.events).slice(-3)).toEqual(['e2e:success', 'deploy:running', 'deploy:success']);
    expect(runtime.events.find((e) => e.stage === 'e2e' && e.state === 'success')).toMatchObject({
      reason: 'Manual test passed by tess: looks right',
    });
    const audit = await runtime.state.audit.list({ buildId: plan.buildId, limit: 100 });
    expect(audit.map((e) => e.kind)).toEqual(expect.arrayContaining(['gate-decision', 'gate-settled']));
  });

  it('stops the pipeline when a tester fails it, with the reason, and tears everything down', async () => {
    const plan = gatedPlan();
    const { runtime, approver, queues } = await held(plan);
    expect(await decide(approver, plan, 'tess', 'fail', 'the total is wrong')).toBe('failed');
    expect(await runBuild(resumed(queues, plan)!.payload.plan, runtime.deps)).toBe('failure');
    expect(runtime.backend.apps.size).toBe(0);
    expect(starts(runtime.backend, '-ship-')).toBe(0);
    expect(
      runtime.events.filter((e) => e.stage !== 'test').map((e) => [e.stage, e.state, 'reason' in e ? e.reason : '']),
    ).toEqual(
      expect.arrayContaining([
        ['e2e', 'refused', 'Manual test failed by tess: the total is wrong'],
        ['deploy', 'skipped', ''],
      ]),
    );
    // Decided once: a later word changes nothing.
    expect(await decide(approver, plan, 'tess', 'pass')).toBe(
      `the manual test of build ${plan.buildId} is already failed`,
    );
  });

  it('fails when nobody decides in time, and leaves nothing up', async () => {
    const plan = gatedPlan(3_000);
    const { runtime, approver, queues } = await held(plan);
    // The delayed time-out job, run when it is due.
    const due = { ...approver, now: () => new Date(Date.now() + 3_000) };
    expect(await processApproval({ kind: 'gate-expire', buildId: plan.buildId }, due)).toBe('expired');
    expect(await runBuild(resumed(queues, plan)!.payload.plan, runtime.deps)).toBe('failure');
    expect(runtime.backend.apps.size).toBe(0);
    expect(runtime.events.find((e) => e.stage === 'e2e' && e.state === 'refused')).toMatchObject({
      reason: 'Manual test timed out: nobody passed or failed it within 3s',
    });
  });

  it('tears a held build down at once when it is cancelled, and a later word changes nothing', async () => {
    const plan = gatedPlan();
    const { runtime, approver } = await held(plan);
    const cancel = new AbortController();
    cancel.abort('cancelled by tess through the API');
    expect(await runBuild(plan, runtime.deps, { cancel: cancel.signal })).toBe('cancelled');
    expect(runtime.backend.apps.size).toBe(0);
    expect(starts(runtime.backend, '-ship-')).toBe(0);
    expect((await runtime.state.builds.get(plan.buildId))?.stages.map((s) => [s.name, s.state])).toEqual([
      ['test', 'success'],
      ['e2e', 'cancelled'],
      ['deploy', 'cancelled'],
    ]);
    expect(await decide(approver, plan, 'tess', 'pass')).toBe(
      `the manual test of build ${plan.buildId} is already cancelled`,
    );
  });

  it('tears a held build down when a newer push supersedes it, and says so on the stage', async () => {
    const plan = gatedPlan();
    const { runtime, approver } = await held(plan);
    const supersede = new AbortController();
    supersede.abort('superseded by bbbbbbb');
    expect(await runBuild(plan, runtime.deps, { supersede: supersede.signal })).toBe('cancelled');
    expect(runtime.backend.apps.size).toBe(0);
    expect(starts(runtime.backend, '-ship-')).toBe(0);
    const record = await runtime.state.builds.get(plan.buildId);
    expect(record?.stages.find((s) => s.name === 'e2e')).toMatchObject({
      state: 'cancelled',
      description: 'superseded by bbbbbbb',
    });
    expect(await decide(approver, plan, 'tess', 'pass')).toBe(
      `the manual test of build ${plan.buildId} is already cancelled`,
    );
  });

  it('ends in error rather than wait when the executor cannot hold a gate', async () => {
    const plan = gatedPlan();
    const runtime = runtimeFor(plan);
    await runtime.state.builds.create(recordForPlan(plan, new Date().toISOString()));
    expect(await runBuild(plan, runtime.deps)).toBe('error');
    expect(runtime.backend.apps.size).toBe(0);
    expect(starts(runtime.backend, '-ship-')).toBe(0);
  });
});
