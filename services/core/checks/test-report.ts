import type { StepRecord } from '../builds/record.js';
import type { TestResult, TestSummary } from '../reports/types.js';
import { unlistedFailures } from '../reports/unlisted-failures.js';
import { codeBlock, inlineText } from './escape-markdown.js';
import { CHECK_LIMITS, type CheckAnnotation } from './types.js';

/** How many failures a check run's summary lists per step (the build page lists them all). */
const FAILURES_SHOWN = 20;

/**
 * A step's test reports as Markdown for its stage's check run: the counts, each failure with
 * its message (and where, when the report says), and the slowest tests. Empty without reports.
 */
export function testReportMarkdown(step: StepRecord): string {
  const t = step.tests;
  if (!t) return '';
  const c = t.counts;
  const parts = [
    `### Tests: ${inlineText(step.name)}\n\n` +
      `${c.total} tests: ${c.passed} passed, ${c.failed} failed` +
      `${c.errored ? `, ${c.errored} errored` : ''}${c.skipped ? `, ${c.skipped} skipped` : ''}.`,
  ];
  if (t.failures.length > 0) {
    parts.push(
      t.failures
        .slice(0, FAILURES_SHOWN)
        .map(
          (f) =>
            `- ❌ **${inlineText(nameOf(f))}**${where(f)}` +
            (f.message ? `\n\n${indent(codeBlock(f.message.split('\n').slice(0, 10)))}` : ''),
        )
        .join('\n') + more(t),
    );
  }
  if (t.slowest.length > 0)
    parts.push(`Slowest: ${t.slowest.map((s) => `${inlineText(nameOf(s))} (${seconds(s.timeMs)})`).join(', ')}.`);
  if (t.unreadable.length > 0)
    parts.push(`Not read: ${t.unreadable.map((u) => `${inlineText(u.report)} (${inlineText(u.error)})`).join('; ')}.`);
  return parts.join('\n\n');
}

/** A failure annotation for each failed test whose report gives a file and a line. */
export function testAnnotations(step: StepRecord): CheckAnnotation[] {
  return (step.tests?.annotations ?? []).map((a) => ({
    path: a.file,
    start_line: a.line,
    end_line: a.line,
    annotation_level: 'failure',
    title: a.title.slice(0, 255),
    message: a.message.slice(0, CHECK_LIMITS.annotationMessage),
  }));
}

/** What the summary leaves out, and whether the build page has it: it lists only the failures kept. */
function more(t: TestSummary): string {
  const shown = Math.min(FAILURES_SHOWN, t.failures.length);
  const unlisted = unlistedFailures(t);
  const rest = t.failures.length - shown + unlisted;
  if (rest === 0) return '';
  if (unlisted === 0) return `\n\n… and ${count(rest)} more on the build page.`;
  return `\n\n… and ${count(rest)} more failures (the build page lists the first ${count(t.failures.length)}).`;
}

function count(n: number): string {
  return n.toLocaleString('en');
}

function where(t: TestResult): string {
  return t.file ? ` (\`${inlineText(`${t.file}${t.line ? `:${t.line}` : ''}`)}\`)` : '';
}

function seconds(ms: number | undefined): string {
  return `${((ms ?? 0) / 1000).toFixed(2)}s`;
}

function nameOf(t: TestResult): string {
  return t.suite ? `${t.suite} › ${t.name}` : t.name;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
