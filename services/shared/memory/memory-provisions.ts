import type { Provisions, ProvisionRecord } from '../ports/provisions.js';
import { parseHold } from '../provision/parse-hold.js';

/** Provisioned nodes in this process's memory; `now` is the clock the lease is judged by. */
export class MemoryProvisions implements Provisions {
  private readonly records = new Map<string, ProvisionRecord>();
  private holder: { name: string; until: number } | undefined;
  private readonly held = new Set<string>();

  constructor(private readonly now: () => number = Date.now) {}

  async create(record: ProvisionRecord): Promise<boolean> {
    if (this.records.has(record.id)) return false;
    this.records.set(record.id, structuredClone(record));
    return true;
  }

  async get(id: string): Promise<ProvisionRecord | undefined> {
    const record = this.records.get(id);
    return record ? structuredClone(record) : undefined;
  }

  async update(
    id: string,
    change: (record: ProvisionRecord) => ProvisionRecord | undefined,
  ): Promise<ProvisionRecord | undefined> {
    // Read, change and write with no await between: nothing else runs in this process meanwhile.
    const current = this.records.get(id);
    const next = current && change(structuredClone(current));
    if (!next) return undefined;
    this.records.set(id, structuredClone(next));
    return structuredClone(next);
  }

  async list(): Promise<ProvisionRecord[]> {
    return [...this.records.values()]
      .map((r) => structuredClone(r))
      .sort((a, b) => b.requestedAt.localeCompare(a.requestedAt) || a.id.localeCompare(b.id));
  }

  async holdNode(buildId: string, nodeId: string): Promise<void> {
    this.held.add(`${buildId} ${nodeId}`);
  }

  async releaseNodes(buildId: string): Promise<void> {
    for (const hold of this.held) if (hold.startsWith(`${buildId} `)) this.held.delete(hold);
  }

  async holds(): Promise<Array<{ buildId: string; nodeId: string }>> {
    return [...this.held].map(parseHold);
  }

  async lease(holder: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    if (this.holder && this.holder.until > now && this.holder.name !== holder) return false;
    this.holder = { name: holder, until: now + ttlMs };
    return true;
  }
}
