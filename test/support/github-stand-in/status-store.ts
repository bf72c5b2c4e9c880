import type { RestEndpointMethodTypes } from '@octokit/rest';

/** A commit status as GitHub returns it from `POST /repos/{owner}/{repo}/statuses/{sha}`. */
export type CommitStatus = RestEndpointMethodTypes['repos']['createCommitStatus']['response']['data'];

/** The states GitHub accepts for a commit status. */
export const COMMIT_STATES = ['error', 'failure', 'pending', 'success'] as const;

/** One of {@link COMMIT_STATES}. */
export type CommitState = (typeof COMMIT_STATES)[number];

/** GitHub's limit of statuses per sha and context within a repository. */
export const MAX_STATUSES_PER_CONTEXT = 1000;

/** Commit statuses per repository and commit, in posting order. */
export class StatusStore {
  private readonly byCommit = new Map<string, CommitStatus[]>();
  private nextId = 1;

  /** A fresh status id (GitHub's ids increase). */
  allocateId(): number {
    return this.nextId++;
  }

  /** Records a status for `owner/repo@sha` (`sha` must be the full commit sha). */
  add(owner: string, repo: string, sha: string, status: CommitStatus): void {
    const key = commitKey(owner, repo, sha);
    this.byCommit.set(key, [...(this.byCommit.get(key) ?? []), status]);
  }

  /** All statuses of `owner/repo@sha`, oldest first. */
  list(owner: string, repo: string, sha: string): readonly CommitStatus[] {
    return this.byCommit.get(commitKey(owner, repo, sha)) ?? [];
  }

  /** Statuses of one context; GitHub compares contexts case-insensitively. */
  listForContext(owner: string, repo: string, sha: string, context: string): CommitStatus[] {
    return this.list(owner, repo, sha).filter((s) => s.context.toLowerCase() === context.toLowerCase());
  }
}

function commitKey(owner: string, repo: string, sha: string): string {
  // GitHub owner and repository names are case-insensitive.
  return `${owner.toLowerCase()}/${repo.toLowerCase()}@${sha.toLowerCase()}`;
}
