import type { ParkedGate } from '../../core/gate/manual-gate.js';

/**
 * Stages held for a manual test (`manual:` in the e2e stage), with the plan to run on.
 *
 * Callers, in order: the executor `park`s a gate once the stage's steps passed and its
 * application is up, and `get`s it when the build job runs again; the approver finds the
 * build a `/pass` comment means with `buildFor`, `get`s it, records the decision and the
 * state, and `put`s it back. One approver works at a time (its queue runs one job at a time).
 *
 * Must tolerate: `park` called twice for a build (the first parked request is kept, with its
 * expiry and decisions); a store restart.
 */
export interface ManualGates {
  park(parked: ParkedGate): Promise<void>;
  get(buildId: string): Promise<ParkedGate | undefined>;
  put(parked: ParkedGate): Promise<void>;
  /** The build whose stage of this commit of `repo` (`owner/name`) is held for a manual test, if one is. */
  buildFor(repo: string, sha: string): Promise<string | undefined>;
}
