import type { ParkedGate } from '../../core/gate/manual-gate.js';
import type { ManualGates } from '../ports/manual-gates.js';

/** Held manual test gates in this process's memory. */
export class MemoryManualGates implements ManualGates {
  private readonly parked = new Map<string, ParkedGate>();
  private readonly byCommit = new Map<string, string>();

  async park(parked: ParkedGate): Promise<void> {
    const { repo, sha } = parked.plan.request;
    if (!this.parked.has(parked.request.buildId)) this.parked.set(parked.request.buildId, structuredClone(parked));
    this.byCommit.set(`${repo.owner}/${repo.name}:${sha}`, parked.request.buildId);
  }

  async get(buildId: string): Promise<ParkedGate | undefined> {
    const parked = this.parked.get(buildId);
    return parked && structuredClone(parked);
  }

  async put(parked: ParkedGate): Promise<void> {
    this.parked.set(parked.request.buildId, structuredClone(parked));
  }

  async buildFor(repo: string, sha: string): Promise<string | undefined> {
    return this.byCommit.get(`${repo}:${sha}`);
  }
}
