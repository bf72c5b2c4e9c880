import type { Provisions, ProvisionRecord } from '../ports/provisions.js';

/** Provisioned nodes in this process's memory; `now` is the clock the lease is judged by. */
export class MemoryProvisions implements Provisions {
  private readonly records = new Map<string, ProvisionRecord>();
  private holder: { name: string; until: number } | undefined;

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

  async put(record: ProvisionRecord): Promise<void> {
    this.records.set(record.id, structuredClone(record));
  }

  async list(): Promise<ProvisionRecord[]> {
    return [...this.records.values()]
      .map((r) => structuredClone(r))
      .sort((a, b) => b.requestedAt.localeCompare(a.requestedAt) || a.id.localeCompare(b.id));
  }

  async lease(holder: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    if (this.holder && this.holder.until > now && this.holder.name !== holder) return false;
    this.holder = { name: holder, until: now + ttlMs };
    return true;
  }
}
