import type { ParkedDeploy } from '../../core/approval/approval.js';

/**
 * Deploys (and fork builds) parked until people approve them.
 *
 * Callers, in order: the executor's (or planner's) approval gate `park`s a deploy the first
 * time it reaches it, and `get`s it on every later check; the approver finds the build a
 * `/approve` comment means with `buildFor`, then `get`s, records decisions and the state,
 * and `put`s it back. One approver works at a time (its queue runs one job at a time).
 *
 * Must tolerate: `park` called twice for a build (the first parked request is kept, with
 * its expiry and decisions); a store restart.
 */
export interface Approvals {
  park(parked: ParkedDeploy): Promise<void>;
  get(buildId: string): Promise<ParkedDeploy | undefined>;
  put(parked: ParkedDeploy): Promise<void>;
  /** The build whose deploy of this commit of `repo` (`owner/name`) waits for an approval, if one does. */
  buildFor(repo: string, sha: string): Promise<string | undefined>;
  /** How many parked deploys are still `pending` (no decision has ended them): the metrics' approvals waiting. */
  waiting(): Promise<number>;
}
