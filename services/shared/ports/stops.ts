import type { RepoRef } from '../../core/builds/types.js';

/** Why a build was asked to stop; either or both may be set. */
export interface StopReasons {
  /** Cancelled (the API, a closed pull request): everything stops. */
  cancelled?: string;
  /** Superseded by a newer build of its branch: it stops, but a deploy under way finishes. */
  superseded?: string;
}

/**
 * Cancellations and supersessions of builds, and which build is the newest of each branch
 * or pull request.
 *
 * Callers: the receiver `cancel`s (the API) and `cancelLatest`s (a closed pull request);
 * the planner calls `supersedeOlder` once it queued a build; every executor listens with
 * `onStop` from its start, and reads `reasons` when a build job starts and when a stop is
 * announced for a build it runs.
 *
 * A stop is recorded before it is announced, so an executor that starts the build later (or
 * missed the announcement while reconnecting) still sees it through `reasons`. Must tolerate:
 * being called twice (`supersedeOlder` with the same build again supersedes nothing; a second
 * `cancel` keeps the build cancelled); concurrent planners of one branch (each older build is
 * superseded by exactly one newer); listeners on other processes; a store restart.
 */
export interface Stops {
  /** Asks for a build to be cancelled, with the reason people will read. */
  cancel(buildId: string, reason: string): Promise<void>;
  /** Cancels the newest build of a branch or pull request ref, if it has one; returns its id. */
  cancelLatest(repo: RepoRef, ref: string, reason: string): Promise<string | undefined>;
  /**
   * Records `buildId` (of commit `sha`) as the newest build of `ref`; the build it replaces,
   * if any, is superseded and announced. Returns the superseded build's id.
   */
  supersedeOlder(repo: RepoRef, ref: string, buildId: string, sha: string): Promise<string | undefined>;
  reasons(buildId: string): Promise<StopReasons>;
  /**
   * Calls `listener` with a build's id whenever a stop is announced for it (on any process).
   * Resolves once listening, to the function that stops listening.
   */
  onStop(listener: (buildId: string) => void): Promise<() => Promise<void>>;
}
