import { describe, expect, it } from '@jest/globals';
import { recordForPlan } from '../../../services/core/builds/record-for-plan.js';
import type { ApprovalDecision } from '../../../services/core/approval/approval.js';
import type { PlanEnvironment } from '../../../services/core/plan/types.js';
import { checkRunsFor } from '../../../services/core/checks/check-runs-for.js';
import { runBuild } from '../../../services/executor/run-build.js';
import { approvalGate } from '../../../services/shared/approval-gate.js';
import { MemoryArtifactStore } from '../../../services/shared/memory/memory-artifact-store.js';
import { memoryState } from '../../../services/shared/memory/memory-state.js';
import { planOf, step } from '../../support/plan-fixtures.js';
import { requestRerun } from '../../../services/shared/rerun.js';
import type { BuildRequest } from '../../../services/core/builds/types.js';
import { runtimeFor, summary } from './runtime-fixtures.js';

const JUNIT_FAILING = `<?xml version="1.0"?>
<testsuites><testsuite name="calc" tests="2">
  <testcase classname="calc" name="adds" time="0.004" file="src/calc.test.js" line="3"/>
  <testcase classname="calc" name="divides by zero" time="0.120" file="src/calc.test.js" line="9">
    <failure message="expected Infinity to be 0">AssertionError: expected Infinity to be 0</failure>
  </testcase>
</testsuite></testsuites>`;

const TOO_BIG = 'big.bin is 2.9 KiB, more than the 2 KiB a file may be (SLIPWAY_ARTIFACT_MAX_FILE_BYTES)';

/** Artifacts and test reports in the runtime, on the fake backend (its workspace a folder) and memory ports. */
describe('a step’s artifacts and test reports', () => {
  it('keeps a passing step’s artifacts for the next stage’s workspace, made again after an approval', async () => {
    const production: PlanEnvironment = {
      name: 'production',
      approval: { required: true, users: [], teams: [], count: 1, expiresMs: 3_600_000, allowSelfApproval: false },
      locks: [],
    };
    const plan = planOf('x', 'y', [
      {
        name: 'test',
        steps: [
          step('build', ['mkdir -p dist/sub', 'echo app-v1 > dist/app.txt', 'printf "\\000\\001" > dist/sub/raw.bin'], {
            artifacts: ['dist'],
          }),
        ],
      },
      {
        name: 'deploy',
        steps: [step('ship', ['cat dist/app.txt', 'wc -c < dist/sub/raw.bin'], { stage: 'deploy' })],
        environment: production,
      },
    ]);
    const state = memoryState();
    const artifacts = new MemoryArtifactStore();
    const { deps, backend } = runtimeFor(
      plan,
      { artifacts, approvals: approvalGate(state.approvals, state.queues, () => new Date('2024-05-01T10:00:00Z')) },
      { state },
    );
    await state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, deps)).toBe('waiting');
    expect((await artifacts.list(plan.buildId)).map((a) => [a.path, a.size, a.step, a.stage])).toEqual([
      ['dist/app.txt', 7, 'build', 'test'],
      ['dist/sub/raw.bin', 2, 'build', 'test'],
    ]);
    expect((await state.logs.read(plan.buildId, 'build')).map((l) => l.text)).toContain(
      'slipway: kept 2 artifact files (9 bytes)',
    );
    // The workspace went with the teardown; the approved deploy finds the files restored.
    const parked = (await state.approvals.get(plan.buildId))!;
    const decision: ApprovalDecision = { user: 'maya', decision: 'approve', at: 'now', via: 'api', counted: true };
    parked.request.decisions.push(decision);
    parked.request.state = 'approved';
    await state.approvals.put(parked);
    expect(await runBuild(plan, deps)).toBe('success');
    const shipped = (await state.logs.read(plan.buildId, 'ship')).map((l) => l.text.trim());
    expect(shipped).toEqual(expect.arrayContaining(['app-v1', '2']));
    expect(backend.restores).toEqual([`${plan.buildId}:ship`]);
  });

  it('fails a passing step whose artifacts are over a limit, saying which and why, and keeps nothing', async () => {
    const plan = planOf('x', 'y', [
      {
        name: 'test',
        steps: [
          step('big', ['head -c 3000 /dev/zero > big.bin', 'echo small > small.txt'], {
            artifacts: ['big.bin', 'small.txt', 'not-made.txt'],
          }),
        ],
      },
      { name: 'e2e', steps: [step('later', ['true'], { stage: 'e2e' })] },
    ]);
    const artifacts = new MemoryArtifactStore();
    const { deps, events, state } = runtimeFor(plan, {
      artifacts,
      artifactLimits: { maxFileBytes: 2048, maxBuildBytes: 1_000_000 },
    });
    await state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, deps)).toBe('failure');
    expect(summary(events)).toEqual(['test:running', 'test:failure', 'e2e:skipped']);
    const rec = (await state.builds.get(plan.buildId))!.stages[0]!.steps[0]!;
    expect(rec.reason).toBe(`artifacts over the limit: ${TOO_BIG}`);
    const log = (await state.logs.read(plan.buildId, 'big')).map((l) => l.text);
    expect(log).toEqual(
      expect.arrayContaining([
        'slipway: artifacts: nothing matches not-made.txt',
        `slipway: artifacts not kept: ${TOO_BIG}`,
      ]),
    );
    expect(await artifacts.list(plan.buildId)).toEqual([]);
  });

  it('refuses what would take the build past its total, counting what earlier steps kept', async () => {
    const plan = planOf('x', 'y', [
      { name: 'test', steps: [step('one', ['head -c 600 /dev/zero > a.bin'], { artifacts: ['a.bin'] })] },
      { name: 'e2e', steps: [step('two', ['head -c 600 /dev/zero > b.bin'], { artifacts: ['b.bin'], stage: 'e2e' })] },
    ]);
    const artifacts = new MemoryArtifactStore();
    const { deps, state } = runtimeFor(plan, {
      artifacts,
      artifactLimits: { maxFileBytes: 1000, maxBuildBytes: 1000 },
    });
    await state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, deps)).toBe('failure');
    const two = (await state.builds.get(plan.buildId))!.stages[1]!.steps[0]!;
    expect(two).toMatchObject({
      state: 'failure',
      reason:
        "artifacts over the limit: the build's artifacts would be 1.2 KiB, more than the 1000 bytes a build may keep " +
        '(SLIPWAY_ARTIFACT_MAX_BUILD_BYTES)',
    });
    expect((await artifacts.list(plan.buildId)).map((a) => a.path)).toEqual(['a.bin']);
  });

  it('reads a failing step’s JUnit reports into its record: counts, failures, the slowest', async () => {
    const plan = planOf('x', 'y', [
      {
        name: 'test',
        steps: [
          step(
            'unit',
            [
              'mkdir -p build/junit',
              `cat > build/junit/calc.xml <<'XML'\n${JUNIT_FAILING}\nXML`,
              'echo "<not xml" > build/junit/broken.xml',
              'exit 1',
            ],
            { reports: ['build/junit/*.xml'], artifacts: ['build'] },
          ),
        ],
      },
    ]);
    const artifacts = new MemoryArtifactStore();
    const { deps, state } = runtimeFor(plan, { artifacts });
    await state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, deps)).toBe('failure');
    const rec = (await state.builds.get(plan.buildId))!.stages[0]!.steps[0]!;
    expect(rec).toMatchObject({ state: 'failure', exitCode: 1 });
    expect(rec.tests?.counts).toEqual({ total: 2, passed: 1, failed: 1, errored: 0, skipped: 0 });
    expect(rec.tests?.failures).toEqual([
      expect.objectContaining({
        name: 'divides by zero',
        message: 'expected Infinity to be 0',
        file: 'src/calc.test.js',
        line: 9,
      }),
    ]);
    expect(rec.tests?.slowest.map((t) => t.name)).toEqual(['divides by zero', 'adds']);
    expect(rec.tests?.unreadable).toEqual([
      { report: 'build/junit/broken.xml', error: expect.stringContaining('not well-formed XML') },
    ]);
    // A failed step keeps no artifacts.
    expect(await artifacts.list(plan.buildId)).toEqual([]);
    expect((await state.logs.read(plan.buildId, 'unit')).map((l) => l.text)).toContain(
      'slipway: test reports: 2 tests, 1 passed, 1 failed, 0 errored, 0 skipped',
    );
  });

  it('turns what a step wrote to $SLIPWAY_ANNOTATIONS into annotations, out of its log, exit code kept', async () => {
    const plan = planOf('x', 'y', [
      {
        name: 'test',
        steps: [
          step('lint', [
            'echo "src/app.ts:12:5: warning: unused variable x" >> "$SLIPWAY_ANNOTATIONS"',
            'echo "src/app.ts:30: error: missing return" >> "$SLIPWAY_ANNOTATIONS"',
            'echo "not an annotation" >> "$SLIPWAY_ANNOTATIONS"',
            'echo linted',
            'exit 3',
          ]),
          step('quiet', ['echo nothing to say']),
        ],
      },
    ]);
    const { deps, state } = runtimeFor(plan);
    // What people following the step live were sent.
    const streamed: string[] = [];
    const append = state.logs.append.bind(state.logs);
    state.logs.append = async (buildId, key, lines) => {
      streamed.push(...lines.map((l) => l.text));
      return append(buildId, key, lines);
    };
    await state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, deps)).toBe('failure');
    expect(streamed).toContain('linted');
    expect(streamed.filter((l) => l.startsWith('@@slipway') || l.startsWith('src/app.ts:'))).toEqual([]);
    const [lint, quiet] = (await state.builds.get(plan.buildId))!.stages[0]!.steps;
    expect(lint).toMatchObject({ state: 'failure', exitCode: 3 });
    expect(lint!.annotations).toEqual([
      {
        path: 'src/app.ts',
        start_line: 12,
        end_line: 12,
        start_column: 5,
        end_column: 5,
        annotation_level: 'warning',
        message: 'unused variable x',
      },
      { path: 'src/app.ts', start_line: 30, end_line: 30, annotation_level: 'failure', message: 'missing return' },
    ]);
    const log = (await state.logs.read(plan.buildId, 'lint')).map((l) => l.text);
    expect(log).toContain('linted');
    // The commands are echoed; the file's own lines and the marks are not in the log.
    expect(log.filter((l) => l.startsWith('@@slipway') || l.startsWith('src/app.ts:'))).toEqual([]);
    expect(quiet!.annotations).toBeUndefined();
    expect(quiet!.state).toBe('success');
  });

  it('hides a secret a failing test or an annotation printed, on the build and its check run', async () => {
    const token = 'hunter2-secret';
    const junit = `<?xml version="1.0"?>
<testsuites><testsuite name="api ${token}">
  <testcase classname="auth.${token}" name="logs in with ${token}" time="0.2" file="src/${token}/auth.test.js" line="4">
    <failure message="expected token ${token} to be rejected">AssertionError: got 200 for ${token}
    at src/${token}/auth.test.js:4:9</failure>
  </testcase>
</testsuite></testsuites>`;
    const plan = planOf('x', 'y', [
      {
        name: 'test',
        steps: [
          step(
            'unit',
            [
              `cat > junit.xml <<'XML'\n${junit}\nXML`,
              `echo "src/auth.ts:7: error: token ${token} sent in clear" >> "$SLIPWAY_ANNOTATIONS"`,
              `echo "using ${token}"`,
              'exit 1',
            ],
            { reports: ['junit.xml'], secrets: ['deploy-key'] },
          ),
        ],
      },
    ]);
    const { deps, state } = runtimeFor(plan, { secretsFor: () => ({ 'deploy-key': token }) });
    await state.builds.create(recordForPlan(plan, 'now'));
    expect(await runBuild(plan, deps)).toBe('failure');
    expect((await state.logs.read(plan.buildId, 'unit')).map((l) => l.text)).toContain('using ***');
    const record = (await state.builds.get(plan.buildId))!;
    const rec = record.stages[0]!.steps[0]!;
    expect(rec.tests?.failures).toEqual([
      expect.objectContaining({
        suite: 'api ***',
        classname: 'auth.***',
        name: 'logs in with ***',
        message: 'expected token *** to be rejected',
        details: 'AssertionError: got 200 for ***\n    at src/***/auth.test.js:4:9',
        file: 'src/***/auth.test.js',
      }),
    ]);
    expect(rec.tests?.annotations).toEqual([expect.objectContaining({ title: 'api *** › logs in with ***' })]);
    expect(rec.annotations).toEqual([expect.objectContaining({ message: 'token *** sent in clear' })]);
    expect(JSON.stringify(record)).not.toContain('hunter2');
    // What the reporter posts: the stage's summary and its annotations, tests' and the step's own.
    const [run] = checkRunsFor(record, { links: { build: 'http://slipway.test/b', stepLog: (k) => `/b/${k}` } });
    expect(run!.output.summary).toContain('logs in with \\*\\*\\*');
    expect(run!.annotations.map((a) => [a.path, a.title, a.message])).toEqual([
      ['src/***/auth.test.js', 'api *** › logs in with ***', 'expected token *** to be rejected'],
      ['src/auth.ts', undefined, 'token *** sent in clear'],
    ]);
    expect(JSON.stringify(run)).not.toContain('hunter2');
  });

  it('gives a re-run’s later stages the artifacts of the steps it carries from the build it repeats', async () => {
    const stages = (e2e: string) => [
      {
        name: 'test' as const,
        steps: [step('build', ['mkdir -p dist', 'echo app-v7 > dist/app.txt'], { artifacts: ['dist'] })],
      },
      { name: 'e2e' as const, steps: [step('flaky', ['cat dist/app.txt', e2e], { stage: 'e2e' })] },
    ];
    const state = memoryState();
    const artifacts = new MemoryArtifactStore();
    const first = planOf('x', 'd'.repeat(40), stages('exit 3'));
    const { deps, backend } = runtimeFor(first, { artifacts }, { state });
    await state.builds.create(recordForPlan(first, 'now'));
    expect(await runBuild(first, deps)).toBe('failure');

    const { buildId } = await requestRerun(
      { state },
      { buildId: first.buildId, failedOnly: true, by: 'maya', via: 'api' },
    );
    const request = (state.queues.jobs('requests').at(-1)!.payload as { request: BuildRequest }).request;
    const again = planOf('x', request.sha, stages('true'));
    again.request = request;
    again.buildId = buildId;
    const rerun = runtimeFor(again, { artifacts }, { state, backend });
    await state.builds.create(recordForPlan(again, 'later'));
    expect(await runBuild(again, rerun.deps)).toBe('success');
    const record = (await state.builds.get(buildId))!;
    expect(record.stages[0]!.steps[0]).toMatchObject({ key: 'build', state: 'skipped' });
    // Its own workspace never ran `build`: the file came from the first build's artifacts.
    expect((await state.logs.read(buildId, 'flaky')).map((l) => l.text)).toContain('app-v7');
    expect((await artifacts.list(buildId)).map((a) => [a.path, a.step, a.stage])).toEqual([
      ['dist/app.txt', 'build', 'test'],
    ]);
  });
});
