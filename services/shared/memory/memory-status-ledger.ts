import type { RepoRef } from '../../core/builds/types.js';
import type { PostedStatus, StatusLedger } from '../ports/status-ledger.js';

/** The statuses posted, in this process's memory. */
export class MemoryStatusLedger implements StatusLedger {
  private readonly posted = new Map<string, PostedStatus>();

  async last(repo: RepoRef, sha: string, context: string): Promise<PostedStatus | undefined> {
    const posted = this.posted.get(key(repo, sha, context));
    return posted && { ...posted };
  }

  async record(repo: RepoRef, sha: string, context: string, posted: PostedStatus): Promise<boolean> {
    const last = this.posted.get(key(repo, sha, context));
    if (last && last.buildId === posted.buildId && last.seq > posted.seq) return false;
    this.posted.set(key(repo, sha, context), { ...posted });
    return true;
  }
}

const key = (repo: RepoRef, sha: string, context: string) => `${repo.owner}/${repo.name}:${sha}:${context}`;
