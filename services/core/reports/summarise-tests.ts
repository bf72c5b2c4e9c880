import { repoPath } from '../checks/repo-path.js';
import { parseJunit, type JunitOptions } from './parse-junit.js';
import type { TestAnnotation, TestCounts, TestResult, TestSummary } from './types.js';

/** How much of a step's reports is kept: the build record is saved (and published) whole, every time. */
export const SUMMARY_LIMITS = {
  /** Failures listed and annotated, in report order. */
  failures: 50,
  /** The slowest tests named. */
  slowest: 5,
  /** Longest `details`, in characters. */
  details: 4_000,
  /** Longest name, suite, classname or message, in characters. */
  text: 1_000,
} as const;

export interface SummaryOptions {
  /** How many of the slowest tests to keep (default 5). */
  slowest?: number;
  /** How many failures to keep, and annotate, in report order (default 50). */
  maxFailures?: number;
  /** Longest `details` kept on a failure, in characters (default 4000); longer ones end in "…". */
  maxDetails?: number;
  /** Longest name, suite, classname and message kept, in characters (default 1000); longer ones end in "…". */
  maxText?: number;
  /**
   * Hides what must not be kept (the build's secrets) in a text: applied to every text of
   * every result kept (names, messages, details, paths) and of `unreadable`, before anything is cut.
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
    // One by one: a report of a few hundred thousand tests is more arguments than a call takes.
    if (parsed.ok) for (const t of parsed.tests) tests.push(t);
    else unreadable.push({ report: file.path, error: parsed.error });
  }
  const mask = options.mask ?? ((text: string) => text);
  return {
    ...summariseTests(tests, options),
    unreadable: unreadable.map((u) => ({ report: mask(u.report), error: mask(u.error) })),
  };
}

/**
 * The summary of results already parsed: exact counts, at most `maxFailures` failures (and
 * annotations for those whose report gives a repository file and a line), texts cut.
 */
export function summariseTests(
  tests: readonly TestResult[],
  options: SummaryOptions = {},
): Omit<TestSummary, 'unreadable'> {
  const counts: TestCounts = { total: tests.length, passed: 0, failed: 0, errored: 0, skipped: 0 };
  for (const t of tests) counts[t.status]++;
  const limits = {
    details: options.maxDetails ?? SUMMARY_LIMITS.details,
    text: options.maxText ?? SUMMARY_LIMITS.text,
  };
  const mask = options.mask ?? ((text: string) => text);
  // Masked whole, then cut: a cut first could leave the start of a secret that no longer matches.
  const kept = (t: TestResult) => shorten(maskResult(t, mask), limits);
  const failures = tests
    .filter((t) => t.status === 'failed' || t.status === 'errored')
    .slice(0, options.maxFailures ?? SUMMARY_LIMITS.failures)
    .map(kept);
  const slowest = tests
    .filter((t) => t.timeMs !== undefined)
    .map((t, i) => ({ t, i }))
    .sort((a, b) => b.t.timeMs! - a.t.timeMs! || a.i - b.i)
    .slice(0, options.slowest ?? SUMMARY_LIMITS.slowest)
    .map(({ t }) => kept(withoutDetails(t)));
  return {
    counts,
    timeMs: tests.reduce((sum, t) => sum + (t.timeMs ?? 0), 0),
    failures,
    slowest,
    annotations: failures.flatMap(annotation),
  };
}

/** GitHub annotates files of the repository, at a line of them: a report's other places are left out. */
function annotation(t: TestResult): TestAnnotation[] {
  const file = t.file === undefined ? undefined : repoPath(t.file);
  if (file === undefined || t.line === undefined || !Number.isInteger(t.line) || t.line < 1) return [];
  if (t.status !== 'failed' && t.status !== 'errored') return [];
  return [
    {
      file,
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

function shorten(t: TestResult, max: { details: number; text: number }): TestResult {
  const out: TestResult = { ...t, suite: cut(t.suite, max.text), name: cut(t.name, max.text) };
  if (t.classname !== undefined) out.classname = cut(t.classname, max.text);
  if (t.message !== undefined) out.message = cut(t.message, max.text);
  if (t.details !== undefined) out.details = cut(t.details, max.details);
  return out;
}

/** At most `max` characters, the last an ellipsis when cut. */
function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function withoutDetails(t: TestResult): TestResult {
  const rest = { ...t };
  delete rest.details;
  return rest;
}
