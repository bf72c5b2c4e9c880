import type { SpecIssue } from '../buildspec/types.js';
import type { CheckAnnotation } from './types.js';

/** Every spec problem as an annotation on the spec file, at its line and column, with its hint. */
export function specAnnotations(issues: readonly SpecIssue[], file = '.buildspec.yml'): CheckAnnotation[] {
  return issues.map((issue) => {
    const line = issue.line ?? 1;
    return {
      path: file,
      start_line: line,
      end_line: line,
      ...(issue.line && issue.column ? { start_column: issue.column, end_column: issue.column } : {}),
      annotation_level: 'failure',
      title: issue.path ? `${file}: ${issue.path}` : file,
      message: issue.hint ? `${issue.message}\n\nHint: ${issue.hint}` : issue.message,
    };
  });
}
