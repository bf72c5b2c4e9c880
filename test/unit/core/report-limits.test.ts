import { describe, expect, it } from '@jest/globals';
import type { BuildRecord } from '../../../services/core/builds/record.js';
import { checkRunsFor } from '../../../services/core/checks/check-runs-for.js';
import { summariseReports } from '../../../services/core/reports/summarise-tests.js';
import type { TestSummary } from '../../../services/core/reports/types.js';
import { buildOutputs } from '../../../services/receiver/pages/build-outputs.js';
import { REQUEST } from './support.js';

const links = { build: 'https://ci.example.com/builds/b1', stepLog: (key: string) => `/b1/${key}` };

/** A broken import: every test of the suite fails, the first with a message of 2 MB. */
function brokenImport(failing: number, passing = 0): string {
  const cases = Array.from({ length: failing }, (_, i) => {
    const message = i === 0 ? 'x'.repeat(2 * 1024 * 1024) : `Cannot find module './calc' (test ${i})`;
    return (
      `<testcase classname="calc" name="case ${i}" time="0.001" file="src/calc-${i}.test.js" line="3">` +
      `<failure message="${message}">Error: Cannot find module './calc'\n    at src/calc-${i}.test.js:3:1</failure>` +
      '</testcase>'
    );
  });
  const passed = Array.from({ length: passing }, (_, i) => `<testcase name="ok ${i}" time="0.001"/>`);
  return `<testsuites><testsuite name="calc">${[...cases, ...passed].join('')}</testsuite></testsuites>`;
}

const recordWith = (tests: TestSummary): BuildRecord => ({
  id: 'b1',
  request: REQUEST,
  state: 'failure',
  createdAt: '2026-12-02T05:59:59.000Z',
  stages: [
    {
      name: 'test',
      state: 'failure',
      steps: [{ key: 'unit', name: 'unit', state: 'failure', image: 'node:20', exitCode: 1, tests }],
    },
  ],
});

describe('the summary of a step whose reports fail thousands of tests', () => {
  const summary = summariseReports([{ path: 'junit.xml', xml: brokenImport(5_000, 7) }]);

  it('keeps exact counts but lists and annotates at most 50 failures, a 2 MB message cut', () => {
    expect(summary.counts).toEqual({ total: 5_007, passed: 7, failed: 5_000, errored: 0, skipped: 0 });
    expect(summary.failures.map((f) => f.name)).toEqual(Array.from({ length: 50 }, (_, i) => `case ${i}`));
    expect(summary.annotations.map((a) => a.file)).toEqual(summary.failures.map((f) => f.file));
    const first = summary.failures[0]!.message!;
    expect(first).toHaveLength(1_000);
    expect(first.endsWith('x…')).toBe(true);
    expect(summary.annotations[0]!.message).toBe(first);
    expect(summary.slowest.every((t) => (t.message ?? '').length <= 1_000)).toBe(true);
    // What the build record carries, saved and published whole on every change.
    expect(JSON.stringify(summary).length).toBeLessThan(100_000);
  });

  it('says how many more failures there were, on the build page and in the check run', () => {
    const r = recordWith(summary);
    expect(buildOutputs(r, [])).toContain(
      '<p class="test-more">… and 4,950 more failures, not listed: the build keeps the first 50.</p>',
    );
    const [run] = checkRunsFor(r, { links });
    expect(run!.output.summary).toContain('5007 tests: 7 passed, 5000 failed.');
    expect(run!.output.summary).toContain('… and 4,980 more failures (the build page lists the first 50).');
    // One request's worth of annotations, not a hundred.
    expect(run!.annotations).toHaveLength(50);
  });

  it('sends the check run’s reader to the build page for the failures past 20 when it lists them all', () => {
    const r = recordWith(summariseReports([{ path: 'junit.xml', xml: brokenImport(30) }]));
    expect(buildOutputs(r, [])).not.toContain('test-more');
    expect(checkRunsFor(r, { links })[0]!.output.summary).toContain('… and 10 more on the build page.');
  });

  it('annotates only failures at a file of the repository and a line of it, as it does a step’s own', () => {
    const xml =
      '<testsuite name="s">' +
      ['/usr/lib/node/calc.js', '../outside/calc.js', 'src/../../calc.js', '  ', './src/ok.js']
        .map((file, i) => `<testcase name="t${i}" file="${file}" line="4"><failure message="m"/></testcase>`)
        .join('') +
      '<testcase name="line zero" file="src/zero.js" line="0"><failure message="m"/></testcase>' +
      '</testsuite>';
    const { failures, annotations } = summariseReports([{ path: 'r.xml', xml }]);
    expect(failures).toHaveLength(6);
    expect(annotations.map((a) => [a.file, a.line])).toEqual([['src/ok.js', 4]]);
  });

  it('counts a report of 200,000 tests, within the size a report may have', () => {
    const xml = `<testsuite name="s">${'<testcase name="t"/>'.repeat(200_000)}</testsuite>`;
    expect(summariseReports([{ path: 'many.xml', xml }]).counts).toEqual({
      total: 200_000,
      passed: 200_000,
      failed: 0,
      errored: 0,
      skipped: 0,
    });
  });
});
