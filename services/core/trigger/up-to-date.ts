import type { StageEvent } from '../status/types.js';

/**
 * `slipway/up-to-date` for a pull request: success when its base branch's tip is already in
 * it (`behindBy` 0), so merging can be a fast-forward. Pure.
 */
export function upToDateEvent(baseRef: string, behindBy: number): StageEvent {
  return behindBy === 0
    ? {
        stage: 'up-to-date',
        state: 'check',
        result: 'success',
        reason: `${baseRef} is in this branch: it can be merged as a fast-forward`,
      }
    : {
        stage: 'up-to-date',
        state: 'check',
        result: 'failure',
        reason:
          `${baseRef} has ${behindBy} commit${behindBy === 1 ? '' : 's'} this branch lacks: ` +
          `rebase it on ${baseRef} to merge as a fast-forward`,
      };
}
