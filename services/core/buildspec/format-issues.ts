import type { SpecIssue } from './types.js';

/** `.buildspec.yml:3:7 /test/0/image: must be string` — one line per issue. */
export function formatIssue(issue: SpecIssue, file = '.buildspec.yml'): string {
  const where = issue.line ? `${file}:${issue.line}:${issue.column ?? 1}` : file;
  const path = issue.path ? ` ${issue.path}` : '';
  const hint = issue.hint ? ` (${issue.hint})` : '';
  return `${where}${path}: ${issue.message}${hint}`;
}

/** The whole report, one issue per line. */
export function formatIssues(issues: readonly SpecIssue[], file = '.buildspec.yml'): string {
  return issues.map((i) => formatIssue(i, file)).join('\n');
}
