import type { SpecIssue } from '../../core/buildspec/types.js';
import { h } from './html.js';

/** Lines of source shown around each problem. */
const CONTEXT = 2;

/**
 * A spec's problems as a report: each with its place (`.buildspec.yml:3:7`), path, message
 * and hint, and when the spec's own text was kept, the lines around it with a caret under the
 * column, as a compiler prints it.
 */
export function specReport(issues: readonly SpecIssue[], source?: string): string {
  if (issues.length === 0) return '';
  const lines = typeof source === 'string' ? source.split('\n') : [];
  const items = issues.map((i) => {
    const place = `.buildspec.yml:${i.line ?? '?'}:${i.column ?? '?'}`;
    return [
      `<li><p><code class="place">${h(place)}</code> ${i.path ? `<code>${h(i.path)}</code> ` : ''}${h(i.message)}</p>`,
      i.hint ? `<p class="hint">${h(i.hint)}</p>` : '',
      excerpt(lines, i),
      '</li>',
    ].join('');
  });
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return [
    `<section class="spec-report" aria-labelledby="spec-problems"><h2 id="spec-problems" class="failure">`,
    `${count} in .buildspec.yml</h2><ol>${items.join('')}</ol></section>`,
  ].join('');
}

function excerpt(lines: readonly string[], issue: SpecIssue): string {
  if (!issue.line || issue.line > lines.length) return '';
  const from = Math.max(1, issue.line - CONTEXT);
  const to = Math.min(lines.length, issue.line + CONTEXT);
  const width = String(to).length;
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    const text = `${String(n).padStart(width)} | ${lines[n - 1]}`;
    out.push(n === issue.line ? `<mark>${h(text)}</mark>` : h(text));
    if (n === issue.line && issue.column)
      out.push(`<span class="caret">${' '.repeat(width + 3 + issue.column - 1)}^</span>`);
  }
  return `<pre class="spec-source" aria-label="lines ${from} to ${to} of .buildspec.yml">${out.join('\n')}</pre>`;
}
