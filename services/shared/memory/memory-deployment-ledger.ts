import type { DeploymentEntry, DeploymentLedger } from '../ports/deployment-ledger.js';

/** Deployments created and their progress, in this process's memory. */
export class MemoryDeploymentLedger implements DeploymentLedger {
  private readonly entries = new Map<string, DeploymentEntry>();

  async get(buildId: string, environment: string): Promise<DeploymentEntry> {
    return { ...this.entries.get(key(buildId, environment)) };
  }

  async saveId(buildId: string, environment: string, id: number): Promise<number> {
    const entry = this.entries.get(key(buildId, environment)) ?? {};
    entry.id ??= id;
    this.entries.set(key(buildId, environment), entry);
    return entry.id;
  }

  async saveSeq(buildId: string, environment: string, seq: number): Promise<void> {
    const entry = this.entries.get(key(buildId, environment)) ?? {};
    entry.seq = Math.max(entry.seq ?? seq, seq);
    this.entries.set(key(buildId, environment), entry);
  }
}

const key = (buildId: string, environment: string) => `${buildId}:${environment}`;
