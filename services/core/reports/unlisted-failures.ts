import type { TestSummary } from './types.js';

/** How many failed and errored tests a summary counts but does not list (it keeps at most 50). */
export function unlistedFailures(t: Pick<TestSummary, 'counts' | 'failures'>): number {
  return Math.max(0, t.counts.failed + t.counts.errored - t.failures.length);
}
