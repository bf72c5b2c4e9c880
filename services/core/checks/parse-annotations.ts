import { repoPath } from './repo-path.js';
import type { CheckAnnotation } from './types.js';

/** The annotation levels a step may write, and GitHub's name for each. */
const LEVELS: Record<string, CheckAnnotation['annotation_level']> = {
  error: 'failure',
  failure: 'failure',
  fatal: 'failure',
  warning: 'warning',
  warn: 'warning',
  notice: 'notice',
  note: 'notice',
  info: 'notice',
};

const LINE = /^(?<path>[^:\n]+):(?<line>\d+)(?::(?<column>\d+))?:\s*(?<level>[A-Za-z]+):\s*(?<message>.+)$/;

/**
 * A step's own annotations, from the file it wrote to `$SLIPWAY_ANNOTATIONS`: one per line,
 * `path:line:col: level: message` as compilers and linters print them (the column may be
 * left out; level is error, warning or notice). Lines that do not match are ignored, and so
 * are absolute paths and paths leaving the repository: GitHub annotates repository files only.
 */
export function parseAnnotations(text: string, limit = 1000): CheckAnnotation[] {
  const out: CheckAnnotation[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (out.length >= limit) break;
    const m = LINE.exec(raw.trim());
    if (!m?.groups) continue;
    const { path: rawPath = '', line = '', column, level = '', message = '' } = m.groups;
    const annotationLevel = LEVELS[level.toLowerCase()];
    const path = repoPath(rawPath);
    if (!annotationLevel || path === undefined) continue;
    const lineNo = Number(line);
    if (lineNo < 1) continue;
    const col = column === undefined ? undefined : Number(column);
    out.push({
      path,
      start_line: lineNo,
      end_line: lineNo,
      ...(col !== undefined && col >= 1 ? { start_column: col, end_column: col } : {}),
      annotation_level: annotationLevel,
      message: message.trim(),
    });
  }
  return out;
}

/** Annotations in the batches GitHub takes: at most `size` (50) per request. */
export function batches<T>(items: readonly T[], size = 50): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
