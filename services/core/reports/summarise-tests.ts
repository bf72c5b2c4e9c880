import { parseJunit, type JunitOptions } from './parse-junit.js';
import type { TestAnnotation, TestCounts, TestResult, TestSummary } from './types.js';

export interface SummaryOptions {
  /** How many of the slowest tests to keep (default 5). */
  slowest?: number;
  /** How many failures to keep, in report order (default 50). */
  maxFailures?: number;
  /** Longest `details` kept on a failure, in characters (default 4000); longer ones end in "…". */
  maxDetails?: number;
  /**
   * Hides what must not be kept (the build's secrets) in a text: applied to every text of
   * every result (names, messages, details, paths) and of `unreadable`, before anything is cut.
   */
  mask?: (text: string) => string;
}

/** One report file as the collector read it. */
export interface ReportFile {
  path: string;
  xml: string;
}

/**
 * What a step's (or a build's) reports add up to: counts, the failures with their messages,
 * the slowest tests and an annotation for each failure whose report gives a file and a line.
 * Reports that cannot be read are listed, not fatal: the others still count.
 */
export function summariseReports(
  files: readonly ReportFile[],
  options: SummaryOptions & Pick<JunitOptions, 'workspace' | 'maxBytes'> = {},
): TestSummary {
  const tests: TestResult[] = [];
  const unreadable: TestSummary['unreadable'] = [];
  for (const file of files) {
    const parsed = parseJunit(file.xml, {
      report: file.path,
      workspace: options.workspace,
      maxBytes: options.maxBytes,
    });
    if (parsed.ok) tests.push(...parsed.tests);
    else unreadable.push({ report: file.path, error: parsed.error });
  }
  const mask = options.mask ?? ((text: string) => text);
  return {
    ...summariseTests(tests, options),
    unreadable: unreadable.map((u) => ({ report: mask(u.report), error: mask(u.error) })),
  };
}

/** The summary of results already parsed. */
export function summariseTests(
  results: readonly TestResult[],
  options: SummaryOptions = {},
): Omit<TestSummary, 'unreadable'> {
  const { mask } = options;
  // Masked whole, then cut: a cut first could leave the start of a secret that no longer matches.
  const tests = mask ? results.map((t) => maskResult(t, mask)) : results;
  const counts: TestCounts = { total: tests.length, passed: 0, failed: 0, errored: 0, skipped: 0 };
  for (const t of tests) counts[t.status]++;
  const failing = tests.filter((t) => t.status === 'failed' || t.status === 'errored');
  const maxDetails = options.maxDetails ?? 4000;
  const failures = failing.slice(0, options.maxFailures ?? 50).map((t) => shorten(t, maxDetails));
  const slowest = tests
    .filter((t) => t.timeMs !== undefined)
    .map((t, i) => ({ t, i }))
    .sort((a, b) => b.t.timeMs! - a.t.timeMs! || a.i - b.i)
    .slice(0, options.slowest ?? 5)
    .map(({ t }) => withoutDetails(t));
  return {
    counts,
    timeMs: tests.reduce((sum, t) => sum + (t.timeMs ?? 0), 0),
    failures,
    slowest,
    annotations: failing.flatMap(annotation),
  };
}

function annotation(t: TestResult): TestAnnotation[] {
  if (t.file === undefined || t.line === undefined || (t.status !== 'failed' && t.status !== 'errored')) return [];
  return [
    {
      file: t.file,
      line: t.line,
      title: t.suite ? `${t.suite} › ${t.name}` : t.name,
      message: t.message ?? (t.status === 'errored' ? 'error' : 'failed'),
      status: t.status,
    },
  ];
}

/** The result with each of its texts masked. */
function maskResult(t: TestResult, mask: (text: string) => string): TestResult {
  const out: TestResult = { ...t, suite: mask(t.suite), name: mask(t.name) };
  for (const key of ['classname', 'file', 'message', 'details', 'report'] as const) {
    const text = t[key];
    if (text !== undefined) out[key] = mask(text);
  }
  return out;
}

function shorten(t: TestResult, max: number): TestResult {
  if (t.details === undefined || t.details.length <= max) return t;
  return { ...t, details: `${t.details.slice(0, max - 1)}…` };
}

function withoutDetails(t: TestResult): TestResult {
  const rest = { ...t };
  delete rest.details;
  return rest;
}
