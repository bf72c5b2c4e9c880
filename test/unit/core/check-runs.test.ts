import { describe, expect, it } from '@jest/globals';
import type { BuildRecord, StageRecord, StepRecord } from '../../../services/core/builds/record.js';
import { checkRunsFor } from '../../../services/core/checks/check-runs-for.js';
import { codeBlock } from '../../../services/core/checks/escape-markdown.js';
import { batches, parseAnnotations } from '../../../services/core/checks/parse-annotations.js';
import { lines, REQUEST, specParser } from './support.js';

const BUILD = 'https://ci.example.com/builds/b1';
const links = { build: BUILD, stepLog: (key: string) => `${BUILD}/steps/${key}/log` };

const step = (name: string, state: StepRecord['state'], extra: Partial<StepRecord> = {}): StepRecord => ({
  key: name,
  name,
  state,
  image: 'busybox',
  startedAt: '2026-12-02T06:00:00.000Z',
  finishedAt: '2026-12-02T06:00:03.200Z',
  ...extra,
});

const record = (stages: StageRecord[], extra: Partial<BuildRecord> = {}): BuildRecord => ({
  id: 'b1',
  request: REQUEST,
  state: 'running',
  createdAt: '2026-12-02T05:59:59.000Z',
  stages,
  ...extra,
});

const outcome = (r: BuildRecord) =>
  checkRunsFor(r, { links }).map((c) => ({
    name: c.name,
    status: c.status,
    conclusion: c.conclusion,
    title: c.output.title,
  }));

describe('checkRunsFor', () => {
  it('gives one run per stage, a deploy named after its environment, with conclusions that say what happened', () => {
    const r = record(
      [
        { name: 'test', state: 'success', steps: [step('unit', 'success'), step('lint', 'failure', { exitCode: 1 })] },
        { name: 'e2e', state: 'failure', steps: [step('browser', 'failure', { exitCode: 2 })] },
        {
          name: 'deploy',
          environment: 'staging',
          state: 'skipped',
          description: 'not run: e2e failed',
          steps: [step('ship', 'skipped')],
        },
      ],
      { state: 'failure' },
    );
    expect(outcome(r)).toEqual([
      { name: 'slipway/test', status: 'completed', conclusion: 'neutral', title: 'Passed; allowed to fail: lint' },
      { name: 'slipway/e2e', status: 'completed', conclusion: 'failure', title: 'browser: failed with exit code 2' },
      { name: 'slipway/deploy/staging', status: 'completed', conclusion: 'skipped', title: 'Not run: e2e failed' },
    ]);
    const [run] = checkRunsFor(r, { links });
    expect(run).toMatchObject({ headSha: REQUEST.sha, externalId: 'b1', detailsUrl: BUILD, actions: [] });
    expect(run!.startedAt).toBe('2026-12-02T06:00:00.000Z');
    expect(run!.completedAt).toBe('2026-12-02T06:00:03.200Z');
  });

  it('queued, running, cancelled (superseded) and timed out', () => {
    const r = record([
      { name: 'test', state: 'running', steps: [step('unit', 'running', { finishedAt: undefined })] },
      {
        name: 'e2e',
        state: 'queued',
        steps: [step('browser', 'queued', { startedAt: undefined, finishedAt: undefined })],
      },
      { name: 'deploy', state: 'cancelled', description: 'superseded by 1234567', steps: [] },
    ]);
    expect(outcome(r)).toEqual([
      { name: 'slipway/test', status: 'in_progress', conclusion: undefined, title: 'Running' },
      { name: 'slipway/e2e', status: 'queued', conclusion: undefined, title: 'Queued' },
      {
        name: 'slipway/deploy',
        status: 'completed',
        conclusion: 'cancelled',
        title: 'Cancelled: superseded by 1234567',
      },
    ]);
    expect(checkRunsFor(r, { links })[0]!.actions.map((a) => a.identifier)).toEqual(['cancel']);
    const late = record([
      {
        name: 'test',
        state: 'failure',
        steps: [step('unit', 'failure', { exitCode: 137, reason: 'timed out after 10m' })],
      },
    ]);
    expect(outcome(late)[0]!.conclusion).toBe('timed_out');
  });

  it('a deploy parked for approval is action_required with Approve and Reject; one on a lock is in progress', () => {
    const parked = record(
      [
        {
          name: 'deploy',
          environment: 'production',
          state: 'waiting',
          description: 'for approval by @acme/ops',
          steps: [],
        },
      ],
      { state: 'waiting' },
    );
    const [run] = checkRunsFor(parked, { links });
    expect(run).toMatchObject({ status: 'completed', conclusion: 'action_required' });
    expect(run!.output.title).toBe('Waiting for approval by @acme/ops');
    expect(run!.actions.map((a) => a.identifier)).toEqual(['approve', 'reject']);
    for (const action of run!.actions) {
      expect(action.label.length).toBeLessThanOrEqual(20);
      expect(action.description.length).toBeLessThanOrEqual(40);
    }
    const locked = record([{ name: 'deploy', state: 'waiting', description: 'lock db is held by b0', steps: [] }]);
    expect(outcome(locked)[0]).toMatchObject({ status: 'in_progress', title: 'Waiting: lock db is held by b0' });
  });

  it('the summary lists steps with state, duration and node, and the failing step’s last lines, escaped', () => {
    const tail = ['ok 1', '```', '<script>alert(1)</script>', '\u001b[31mFAIL\u001b[0m'];
    const r = record([
      {
        name: 'test',
        state: 'failure',
        steps: [step('unit', 'failure', { exitCode: 1, node: 'node-a' }), step('lint', 'success', { node: 'node-b' })],
      },
    ]);
    const { summary } = checkRunsFor(r, { links, logTails: { unit: tail } })[0]!.output;
    expect(summary).toContain(`| [unit](${BUILD}/steps/unit/log) | ❌ failure (exit 1) | 3.2s | node-a |`);
    expect(summary).toContain('| ✅ success | 3.2s | node-b |');
    expect(summary).toContain(`[b1](${BUILD})`);
    expect(summary).toContain('````text\nok 1\n```\n<script>alert(1)</script>\nFAIL\n````');
    expect(summary).toContain('Last 4 lines');
  });

  it('a broken spec is one failed slipway/spec run with an annotation at each problem’s line and column', () => {
    const parsed = specParser()(lines('test:', '  - name: unit', '    image: 3', '    commands: [true]'));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const runs = checkRunsFor(record([], { state: 'failure', specIssues: parsed.issues }), { links });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: 'slipway/spec', status: 'completed', conclusion: 'failure' });
    const first = parsed.issues[0]!;
    expect(first.line).toBe(3);
    expect(runs[0]!.annotations[0]).toMatchObject({
      path: '.buildspec.yml',
      start_line: 3,
      end_line: 3,
      start_column: first.column,
      annotation_level: 'failure',
    });
    expect(runs[0]!.annotations[0]!.message).toContain(first.message);
  });

  it('a step’s own annotations go on its stage’s run', () => {
    const r = record([{ name: 'test', state: 'failure', steps: [step('unit', 'failure', { exitCode: 1 })] }]);
    const notes = parseAnnotations('src/a.ts:3:7: error: x is not defined\n');
    expect(checkRunsFor(r, { links, stepAnnotations: { unit: notes } })[0]!.annotations).toEqual(notes);
  });
});

describe('parseAnnotations', () => {
  it('reads path:line:col: level: message lines and skips the rest', () => {
    const text = [
      'src/app.ts:12:5: error: Unexpected any',
      './lib/x.py:3: warning: unused import',
      'README.md:1:1: notice: spelling',
      'just some output',
      '/etc/passwd:1:1: error: outside',
      '../up.ts:1:1: error: outside',
      'a.ts:0:1: error: no line zero',
      'a.ts:2:1: shouting: unknown level',
    ].join('\n');
    expect(parseAnnotations(text)).toEqual([
      {
        path: 'src/app.ts',
        start_line: 12,
        end_line: 12,
        start_column: 5,
        end_column: 5,
        annotation_level: 'failure',
        message: 'Unexpected any',
      },
      { path: 'lib/x.py', start_line: 3, end_line: 3, annotation_level: 'warning', message: 'unused import' },
      {
        path: 'README.md',
        start_line: 1,
        end_line: 1,
        start_column: 1,
        end_column: 1,
        annotation_level: 'notice',
        message: 'spelling',
      },
    ]);
  });

  it('batches at GitHub’s 50 per request', () => {
    const many = parseAnnotations(Array.from({ length: 120 }, (_, i) => `a.ts:${i + 1}: error: e${i}`).join('\n'));
    expect(batches(many).map((b) => b.length)).toEqual([50, 50, 20]);
  });
});

describe('codeBlock', () => {
  it('fences with more backticks than the text holds', () => {
    expect(codeBlock(['a ````` b'])).toBe('``````text\na ````` b\n``````');
  });
});

describe('test reports in check runs', () => {
  it("puts a step's counts, failures and slowest tests in its stage's summary, with lines as annotations", () => {
    const failing = {
      suite: 'calc',
      name: 'divides by zero',
      status: 'failed' as const,
      timeMs: 120,
      file: 'src/calc.test.js',
      line: 9,
      message: 'expected Infinity to be 0',
    };
    const r = record([
      {
        name: 'test',
        state: 'failure',
        steps: [
          step('unit', 'failure', {
            exitCode: 1,
            tests: {
              counts: { total: 3, passed: 1, failed: 2, errored: 0, skipped: 0 },
              timeMs: 130,
              failures: [failing, { suite: 'calc', name: 'rounds', status: 'failed', message: 'off by <one>' }],
              slowest: [failing],
              annotations: [
                {
                  file: 'src/calc.test.js',
                  line: 9,
                  title: 'calc › divides by zero',
                  message: 'expected Infinity to be 0',
                  status: 'failed',
                },
              ],
              unreadable: [],
            },
          }),
        ],
      },
    ]);
    const [run] = checkRunsFor(r, { links });
    expect(run!.output.summary).toContain('### Tests: unit\n\n3 tests: 1 passed, 2 failed.');
    expect(run!.output.summary).toContain('- ❌ **calc › divides by zero** (`src/calc.test.js:9`)');
    expect(run!.output.summary).toContain('expected Infinity to be 0');
    expect(run!.output.summary).toContain('- ❌ **calc › rounds**');
    expect(run!.output.summary).toContain('off by <one>');
    expect(run!.output.summary).toContain('Slowest: calc › divides by zero (0.12s).');
    expect(run!.annotations).toEqual([
      {
        path: 'src/calc.test.js',
        start_line: 9,
        end_line: 9,
        annotation_level: 'failure',
        title: 'calc › divides by zero',
        message: 'expected Infinity to be 0',
      },
    ]);
  });
});
