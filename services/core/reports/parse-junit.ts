import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { TestResult, TestStatus } from './types.js';

/**
 * Reads one JUnit XML report into per-test results. Pure: the caller reads the file.
 *
 * Understands the dialects in use: a `<testsuites>` root or a single `<testsuite>`, suites
 * nested in suites (Ant, some aggregators), `<failure>`, `<error>` and `<skipped>` with a
 * `message` attribute and/or text (surefire and Gradle put the stack trace in the text,
 * jest-junit only text, go-junit-report a generic message and the output as CDATA), `time` in
 * seconds (with thousands separators, as some surefire locales write it), and `file` and
 * `line` attributes (pytest's xunit1 family, jest-junit with `addFileAttribute`). pytest's
 * `line` is 0-based (its item location): for a suite named `pytest` (pytest's default
 * `junit_suite_name`) it is made 1-based. Where the failure text names the test's file with a
 * line (`tests/test_calc.py:7: AssertionError`, `at … (/workspace/src/sum.test.js:8:17)`),
 * that line, the failing one, is preferred.
 *
 * Refused: more than `maxBytes`, a DOCTYPE (no report needs one, and entity expansion is not
 * something to allow from a build), XML that is not well formed, and a root that is neither.
 */
export interface JunitOptions {
  /** The report's path, kept on each result. */
  report?: string;
  /** The workspace path as the step saw it; stripped from absolute file paths. Default `/workspace`. */
  workspace?: string;
  /** Largest report read, in characters (default 16 MiB). */
  maxBytes?: number;
}

export type JunitResult = { ok: true; tests: TestResult[] } | { ok: false; error: string };

export const DEFAULT_MAX_REPORT_BYTES = 16 * 1024 * 1024;

type XmlNode = Record<string, unknown>;

const REPEATED = new Set(['testsuite', 'testcase', 'failure', 'error', 'skipped']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Decodes numeric character references (pytest writes newlines in messages as &#10;).
  htmlEntities: true,
  isArray: (name) => REPEATED.has(name),
});

export function parseJunit(xml: string, options: JunitOptions = {}): JunitResult {
  const max = options.maxBytes ?? DEFAULT_MAX_REPORT_BYTES;
  if (xml.length > max) return { ok: false, error: `larger than ${max} bytes` };
  if (/<!DOCTYPE/i.test(xml)) return { ok: false, error: 'has a DOCTYPE, which no JUnit report needs' };
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    return { ok: false, error: `not well-formed XML: ${msg} (line ${line}, column ${col})` };
  }
  const doc = parser.parse(xml) as XmlNode;
  const roots = [...list(doc.testsuites), ...list(doc.testsuite).map((s) => ({ testsuite: [s] }))];
  if (roots.length === 0) return { ok: false, error: 'no <testsuites> or <testsuite> element: not a JUnit report' };
  const ctx: Context = { workspace: (options.workspace ?? '/workspace').replace(/\/+$/, ''), report: options.report };
  const tests: TestResult[] = [];
  for (const root of roots) collectSuite(root, '', ctx, tests);
  return { ok: true, tests };
}

interface Context {
  workspace: string;
  report: string | undefined;
}

/** The test cases of a suite and of the suites inside it, depth first, in document order. */
function collectSuite(node: XmlNode, outer: string, ctx: Context, out: TestResult[]): void {
  const suite = attr(node, 'name') ?? outer;
  for (const testcase of list(node.testcase)) out.push(testResult(testcase, suite, ctx));
  for (const inner of list(node.testsuite)) collectSuite(inner, suite, ctx, out);
}

function testResult(node: XmlNode, suite: string, ctx: Context): TestResult {
  const [status, outcome] = outcomeOf(node);
  const details = outcome ? textOf(outcome).trim() : '';
  const message = outcome ? attr(outcome, 'message')?.trim() || firstLine(details) : undefined;
  const file = attr(node, 'file') ? normalisePath(attr(node, 'file')!, ctx.workspace) : undefined;
  const line = file ? lineOf(file, details, attr(node, 'line'), suite) : undefined;
  const timeMs = seconds(attr(node, 'time'));
  const classname = attr(node, 'classname');
  return {
    suite,
    ...(classname ? { classname } : {}),
    name: attr(node, 'name') ?? '',
    status,
    ...(timeMs !== undefined ? { timeMs } : {}),
    ...(file ? { file } : {}),
    ...(line !== undefined ? { line } : {}),
    ...(message ? { message } : {}),
    ...(details ? { details } : {}),
    ...(ctx.report !== undefined ? { report: ctx.report } : {}),
  };
}

/** A failure wins over an error, an error over a skip; the first element of its kind is the one kept. */
function outcomeOf(node: XmlNode): [TestStatus, XmlNode | string | undefined] {
  for (const [key, status] of [
    ['failure', 'failed'],
    ['error', 'errored'],
    ['skipped', 'skipped'],
  ] as const) {
    const found = node[key];
    if (Array.isArray(found) && found.length > 0) return [status, found[0] as XmlNode | string];
  }
  return ['passed', undefined];
}

/** The failing line: named with the file in the failure text, else the report's `line` (pytest's made 1-based). */
function lineOf(file: string, details: string, line: string | undefined, suite: string): number | undefined {
  const named = new RegExp(`(?:^|[\\s(/"'])${escapeRegExp(file)}:(\\d+)`, 'm').exec(details);
  if (named) return Number(named[1]);
  if (line === undefined || !/^\d+$/.test(line.trim())) return undefined;
  const n = Number(line.trim());
  return suite === 'pytest' ? n + 1 : n > 0 ? n : undefined;
}

/** `/workspace/src/a.ts`, `./src/a.ts`, `src\\a.ts` → `src/a.ts`. */
function normalisePath(path: string, workspace: string): string {
  let p = path.trim().replace(/\\/g, '/');
  if (workspace && p.startsWith(`${workspace}/`)) p = p.slice(workspace.length + 1);
  return p.replace(/^(\.\/)+/, '');
}

/** `0.25` → 250, `1,234.5` → 1234500; absent or not a number → undefined. */
function seconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.replace(/,/g, '').trim());
  return Number.isFinite(n) && n >= 0 && value.trim() !== '' ? Math.round(n * 1000) : undefined;
}

function attr(node: unknown, name: string): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const value = (node as XmlNode)[name];
  return typeof value === 'string' ? value : undefined;
}

function textOf(node: XmlNode | string): string {
  if (typeof node === 'string') return node;
  const text = node['#text'];
  return typeof text === 'string' ? text : '';
}

function list(value: unknown): XmlNode[] {
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return items.filter((v): v is XmlNode => v !== null && typeof v === 'object');
}

function firstLine(text: string): string | undefined {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') || undefined
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
