import type { MergeCommand } from './types.js';

/**
 * `/merge` or `/merge cancel`, alone on the first line of a comment (surrounding spaces
 * allowed), or undefined for any other comment. Pure.
 */
export function mergeCommandOf(body: string): MergeCommand | undefined {
  const first = body.trim().split('\n')[0]?.trim().replace(/\s+/g, ' ');
  if (first === '/merge') return 'merge';
  if (first === '/merge cancel') return 'cancel';
  return undefined;
}
