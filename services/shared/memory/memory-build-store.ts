import type { BuildRecord } from '../../core/builds/record.js';
import type { BuildStore } from '../ports/build-store.js';

/** Build records in this process's memory: unit tests and `slipway run`. */
export class MemoryBuildStore implements BuildStore {
  private readonly builds = new Map<string, BuildRecord>();

  async create(record: BuildRecord): Promise<boolean> {
    if (this.builds.has(record.id)) return false;
    this.builds.set(record.id, structuredClone(record));
    return true;
  }

  async get(id: string): Promise<BuildRecord | undefined> {
    const record = this.builds.get(id);
    return record && structuredClone(record);
  }

  async put(record: BuildRecord): Promise<void> {
    this.builds.set(record.id, structuredClone(record));
  }

  async recent(count: number): Promise<BuildRecord[]> {
    // Newest created first; of two created at the same time, the one stored later.
    const order = [...this.builds.values()].map((record, index) => ({
      record,
      index,
      at: Date.parse(record.createdAt),
    }));
    order.sort((a, b) => (b.at || 0) - (a.at || 0) || b.index - a.index);
    return order.slice(0, count).map(({ record }) => structuredClone(record));
  }
}
