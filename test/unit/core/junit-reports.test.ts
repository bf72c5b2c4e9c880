import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parseJunit } from '../../../services/core/reports/parse-junit.js';
import { summariseReports } from '../../../services/core/reports/summarise-tests.js';
import type { TestResult } from '../../../services/core/reports/types.js';
import { ROOT } from './support.js';

/** Reports shaped like what surefire, pytest, jest-junit and go-junit-report write (test/fixtures/junit/). */
const DIR = `${ROOT}test/fixtures/junit/`;
const fixture = (name: string) => readFileSync(`${DIR}${name}`, 'utf8');

function tests(name: string): TestResult[] {
  const result = parseJunit(fixture(name), { report: name });
  if (!result.ok) throw new Error(`${name}: ${result.error}`);
  return result.tests;
}

const byName = (all: TestResult[], name: string) => all.find((t) => t.name === name);

describe('parseJunit', () => {
  it('reads a Maven surefire report: statuses, messages with entities, stack traces, times with separators', () => {
    const all = tests('surefire-TEST-com.example.CalculatorTest.xml');
    expect(all.map((t) => [t.name, t.status])).toEqual([
      ['addsTwoNumbers', 'passed'],
      ['dividesByZero', 'failed'],
      ['parsesInput', 'errored'],
      ['roundsHalfUp', 'skipped'],
      ['multiplies', 'passed'],
    ]);
    const failed = byName(all, 'dividesByZero')!;
    expect(failed).toMatchObject({
      suite: 'com.example.CalculatorTest',
      classname: 'com.example.CalculatorTest',
      message: 'expected: <Infinity> but was: <NaN>',
      timeMs: 4,
    });
    expect(failed.details).toContain('at com.example.CalculatorTest.dividesByZero(CalculatorTest.java:27)');
    expect(failed.file).toBeUndefined();
    expect(byName(all, 'parsesInput')).toMatchObject({
      message: 'Cannot invoke "String.trim()" because "input" is null',
      timeMs: 1_203_900,
    });
    expect(byName(all, 'roundsHalfUp')).toMatchObject({ message: 'not on this JDK', timeMs: 0 });
    expect(byName(all, 'addsTwoNumbers')).not.toHaveProperty('message');
  });

  it("reads pytest's xunit1 family: the failing line from the text, its 0-based line attribute made 1-based", () => {
    const all = tests('pytest-xunit1.xml');
    expect(byName(all, 'test_add')).toMatchObject({ status: 'passed', file: 'tests/test_calc.py', line: 4 });
    expect(byName(all, 'test_sub')).toMatchObject({
      status: 'failed',
      suite: 'pytest',
      classname: 'tests.test_calc',
      file: 'tests/test_calc.py',
      line: 8,
      message: 'assert 1 == 2\n +  where 1 = sub(3, 2)',
    });
    expect(byName(all, 'test_sub')!.details).toMatch(/^def test_sub\(\):\n>\s+assert sub\(3, 2\) == 2/);
    // The skip names the file with the workspace prefix; the line is taken from there.
    expect(byName(all, 'test_windows_only')).toMatchObject({ status: 'skipped', line: 12, message: 'Windows only' });
  });

  it("reads pytest's default xunit2 family: an error in a fixture, without file or line", () => {
    const all = tests('pytest-xunit2.xml');
    expect(byName(all, 'test_query')).toMatchObject({
      status: 'errored',
      message: 'failed on setup with "ConnectionRefusedError: [Errno 111] Connection refused"',
      timeMs: 100,
    });
    expect(byName(all, 'test_query')).not.toHaveProperty('file');
    expect(byName(all, 'test_schema')?.status).toBe('passed');
  });

  it('reads jest-junit: the message is the first line of the text, the file relative, the line from the stack', () => {
    const all = tests('jest-junit.xml');
    expect(all.map((t) => [t.suite, t.status])).toEqual([
      ['sum', 'passed'],
      ['sum', 'failed'],
      ['sum', 'skipped'],
      ['format', 'passed'],
    ]);
    expect(byName(all, 'sum handles negatives')).toMatchObject({
      file: 'src/sum.test.js',
      line: 9,
      message: 'Error: expect(received).toBe(expected) // Object.is equality',
    });
    expect(byName(all, 'sum todo: large numbers')).not.toHaveProperty('message');
  });

  it('reads go-junit-report: CDATA output, a generic message, skips with a message', () => {
    const all = tests('go-junit-report.xml');
    expect(byName(all, 'TestDivide')).toMatchObject({
      status: 'failed',
      suite: 'example.com/calc',
      message: 'Failed',
      details: 'calc_test.go:15: Divide(6, 4) = 1, want 1.5',
      timeMs: 1,
    });
    expect(byName(all, 'TestSkipOnCI')).toMatchObject({ status: 'skipped', message: 'calc_test.go:20: skipped on CI' });
  });

  it('reads suites nested in suites and test cases straight under <testsuites>', () => {
    const xml =
      '<testsuites name="all"><testcase name="top"/><testsuite name="outer"><testcase name="a"/>' +
      '<testsuite name="inner"><testcase name="b"><failure/></testcase></testsuite></testsuite></testsuites>';
    const result = parseJunit(xml);
    expect(result.ok && result.tests.map((t) => [t.suite, t.name, t.status])).toEqual([
      ['all', 'top', 'passed'],
      ['outer', 'a', 'passed'],
      ['inner', 'b', 'failed'],
    ]);
  });

  it('refuses what is not a JUnit report, with a reason', () => {
    expect(parseJunit(fixture('truncated.xml'))).toEqual({
      ok: false,
      error: expect.stringMatching(/^not well-formed XML: .*\(line \d+, column \d+\)$/),
    });
    expect(parseJunit(fixture('not-junit.xml'))).toEqual({
      ok: false,
      error: 'no <testsuites> or <testsuite> element: not a JUnit report',
    });
    expect(parseJunit('<testsuite name="x"/>'.padEnd(2000, ' '), { maxBytes: 1000 })).toEqual({
      ok: false,
      error: 'larger than 1000 bytes',
    });
  });

  it('refuses a DOCTYPE, so no entity is ever expanded', () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>' +
      '<testsuite name="x"><testcase name="&lol2;"/></testsuite>';
    expect(parseJunit(bomb)).toEqual({ ok: false, error: 'has a DOCTYPE, which no JUnit report needs' });
  });
});

describe('summariseReports', () => {
  const files = readdirSync(DIR)
    .sort()
    .map((path) => ({ path, xml: fixture(path) }));

  it('adds up every readable report and lists the unreadable ones', () => {
    const summary = summariseReports(files);
    expect(summary.counts).toEqual({ total: 17, passed: 7, failed: 4, errored: 2, skipped: 4 });
    expect(summary.unreadable).toEqual([
      { report: 'not-junit.xml', error: expect.stringContaining('not a JUnit report') },
      { report: 'truncated.xml', error: expect.stringContaining('not well-formed XML') },
    ]);
    expect(summary.failures.map((t) => `${t.report}: ${t.name}: ${t.message}`)).toEqual([
      'go-junit-report.xml: TestDivide: Failed',
      'jest-junit.xml: sum handles negatives: Error: expect(received).toBe(expected) // Object.is equality',
      'pytest-xunit1.xml: test_sub: assert 1 == 2\n +  where 1 = sub(3, 2)',
      'pytest-xunit2.xml: test_query: failed on setup with "ConnectionRefusedError: [Errno 111] Connection refused"',
      'surefire-TEST-com.example.CalculatorTest.xml: dividesByZero: expected: <Infinity> but was: <NaN>',
      'surefire-TEST-com.example.CalculatorTest.xml: parsesInput: ' +
        'Cannot invoke "String.trim()" because "input" is null',
    ]);
  });

  it('names the slowest tests, slowest first, without their output', () => {
    const { slowest } = summariseReports(files, { slowest: 3 });
    expect(slowest.map((t) => [t.name, t.timeMs])).toEqual([
      ['parsesInput', 1_203_900],
      ['format pads', 250],
      ['test_query', 100],
    ]);
    expect(slowest[0]).not.toHaveProperty('details');
  });

  it('annotates the failures whose report gives a file and a line, and only those', () => {
    expect(summariseReports(files).annotations).toEqual([
      {
        file: 'src/sum.test.js',
        line: 9,
        title: 'sum › sum handles negatives',
        message: 'Error: expect(received).toBe(expected) // Object.is equality',
        status: 'failed',
      },
      {
        file: 'tests/test_calc.py',
        line: 8,
        title: 'pytest › test_sub',
        message: 'assert 1 == 2\n +  where 1 = sub(3, 2)',
        status: 'failed',
      },
    ]);
  });

  it('keeps at most maxFailures failures and cuts long output', () => {
    const summary = summariseReports(files, { maxFailures: 2, maxDetails: 20 });
    expect(summary.failures).toHaveLength(2);
    expect(summary.failures[1]!.details).toHaveLength(20);
    expect(summary.failures[1]!.details!.endsWith('…')).toBe(true);
    expect(summary.counts.failed).toBe(4);
  });

  it('masks a secret before it cuts the output, so no start of it is left at the cut', () => {
    const xml = (text: string) =>
      `<testsuite name="s"><testcase name="t"><failure message="m">${text}</failure></testcase></testsuite>`;
    const mask = (text: string) => text.split('hunter2-secret').join('***');
    const details = `${'x'.repeat(15)}hunter2-secret and more`;
    const [failure] = summariseReports([{ path: 'r.xml', xml: xml(details) }], { maxDetails: 20, mask }).failures;
    expect(failure!.details).toBe(`${'x'.repeat(15)}*** …`);
  });

  it('counts nothing for no reports', () => {
    expect(summariseReports([])).toEqual({
      counts: { total: 0, passed: 0, failed: 0, errored: 0, skipped: 0 },
      timeMs: 0,
      failures: [],
      slowest: [],
      annotations: [],
      unreadable: [],
    });
  });
});
