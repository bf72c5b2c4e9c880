import type { RepoRef } from '../../core/builds/types.js';

/**
 * Which commits passed their stages and were deployed to staging, and by which build: what
 * `slipway/staging-verified` on a pull request into production says.
 *
 * Callers: the executor `markVerified`s when a staging deploy of a commit succeeds; the
 * planner asks `verifiedBy` when it plans a pull request into production. Must tolerate:
 * marking a commit twice (the latest build is kept); records that outlive the build record.
 */
export interface StagingRecords {
  markVerified(repo: RepoRef, sha: string, buildId: string): Promise<void>;
  /** The build that deployed this commit to staging, if one did. */
  verifiedBy(repo: RepoRef, sha: string): Promise<string | undefined>;
}
