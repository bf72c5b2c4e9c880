import { ordinal } from './position.js';

/** The comments the merge queue writes on a pull request. Pure. */
export const mergeComments = {
  queued: (by: string, index: number, base: string, sha: string): string =>
    `@${by} queued ${sha.slice(0, 7)} to merge into \`${base}\` by fast-forward: ` +
    (index === 0 ? 'it is next.' : `${ordinal(index + 1)} in line.`),
  refused: (why: string): string => `Not queued: ${why}.`,
  removed: (reason: string): string => `Taken out of the merge queue: ${reason}.`,
  cancelled: (by: string): string => `@${by} took this pull request out of the merge queue (/merge cancel).`,
  merged: (base: string, sha: string, approvers: readonly string[]): string =>
    `Merged: \`${base}\` moved to ${sha.slice(0, 7)} by fast-forward (no merge commit)` +
    (approvers.length > 0 ? `, approved by ${approvers.map((a) => `@${a}`).join(', ')}.` : '.'),
  rebasing: (reason: string, sha: string): string =>
    `${reason}: rebased and pushed as ${sha.slice(0, 7)}; merging once its checks pass.`,
};
