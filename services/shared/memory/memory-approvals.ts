import type { ParkedDeploy } from '../../core/approval/approval.js';
import type { Approvals } from '../ports/approvals.js';

/** Parked deploys in this process's memory. */
export class MemoryApprovals implements Approvals {
  private readonly parked = new Map<string, ParkedDeploy>();
  private readonly byCommit = new Map<string, string>();

  async park(parked: ParkedDeploy): Promise<void> {
    const { repo, sha } = parked.plan.request;
    if (!this.parked.has(parked.request.buildId)) this.parked.set(parked.request.buildId, structuredClone(parked));
    this.byCommit.set(`${repo.owner}/${repo.name}:${sha}`, parked.request.buildId);
  }

  async get(buildId: string): Promise<ParkedDeploy | undefined> {
    const parked = this.parked.get(buildId);
    return parked && structuredClone(parked);
  }

  async put(parked: ParkedDeploy): Promise<void> {
    this.parked.set(parked.request.buildId, structuredClone(parked));
  }

  async waiting(): Promise<number> {
    return [...this.parked.values()].filter((parked) => parked.request.state === 'pending').length;
  }

  async buildFor(repo: string, sha: string): Promise<string | undefined> {
    return this.byCommit.get(`${repo}:${sha}`);
  }
}
