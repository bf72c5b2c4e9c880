import { h } from './html.js';

/**
 * A run state as people see it: a word (never colour alone) with a mark before it, styled by
 * its class in dashboard.css (`.st-failure` …).
 */
export function stateBadge(state: unknown, extra = ''): string {
  const s = String(state ?? 'unknown');
  const mark = MARKS[s] ?? '•';
  const classes = `st st-${h(s)}${extra ? ` ${h(extra)}` : ''}`;
  return `<span class="${classes}"><span aria-hidden="true">${mark}</span> ${h(s)}</span>`;
}

const MARKS: Readonly<Record<string, string>> = {
  success: '✓',
  failure: '✗',
  error: '!',
  running: '▶',
  waiting: '‖', // not ⏸ (U+23F8): many Linux browsers have no font with it
  queued: '…',
  skipped: '–',
  cancelled: '⊘',
};
