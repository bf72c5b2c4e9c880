import type { RepoRef } from '../../core/builds/types.js';

/** What the reporter last posted on one context of one commit. */
export interface PostedStatus {
  buildId: string;
  /** The event's rank within its build (queued < waiting < running < final). */
  seq: number;
  state: string;
  description: string;
  target_url?: string;
}

/**
 * What the reporter last posted per repository, commit and context, so it posts only on
 * change and never lets a build's status go backwards.
 *
 * Caller: the reporter, for each status job: `last`, then (after GitHub took the status)
 * `record`. Must tolerate: a job run twice (recording the same status again changes
 * nothing); reporters racing on one context: `record` keeps the newest, so a status of a
 * lower rank of the same build never replaces a higher one (a status of another build
 * replaces whatever was there).
 */
export interface StatusLedger {
  last(repo: RepoRef, sha: string, context: string): Promise<PostedStatus | undefined>;
  /** Records a posted status; false (and nothing changed) when a newer one of its build is recorded. */
  record(repo: RepoRef, sha: string, context: string, posted: PostedStatus): Promise<boolean>;
}
