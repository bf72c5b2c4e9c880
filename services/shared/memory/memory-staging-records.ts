import type { RepoRef } from '../../core/builds/types.js';
import type { StagingRecords } from '../ports/staging-records.js';

/** Commits verified on staging, in this process's memory. */
export class MemoryStagingRecords implements StagingRecords {
  private readonly verified = new Map<string, string>();

  async markVerified(repo: RepoRef, sha: string, buildId: string): Promise<void> {
    this.verified.set(`${repo.owner}/${repo.name}:${sha}`, buildId);
  }

  async verifiedBy(repo: RepoRef, sha: string): Promise<string | undefined> {
    return this.verified.get(`${repo.owner}/${repo.name}:${sha}`);
  }
}
