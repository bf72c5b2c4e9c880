import type { BuildRecord } from '../../core/builds/record.js';
import type { BuildScan, BuildStore } from '../ports/build-store.js';

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

  async scan(query: BuildScan): Promise<{ builds: BuildRecord[]; cursor?: string }> {
    // Cursors are `ms:sequence`, the creation time and the order stored, newest first.
    const order = [...this.builds.values()]
      .map((record, index) => ({ record, key: [Date.parse(record.createdAt) || 0, index] as const }))
      .filter(({ record }) => !query.repo || `${record.request.repo.owner}/${record.request.repo.name}` === query.repo)
      .sort((a, b) => b.key[0] - a.key[0] || b.key[1] - a.key[1]);
    const [ms, seq] = (query.cursor ?? '').split(':').map(Number);
    const start =
      query.cursor === undefined ? 0 : order.findIndex(({ key }) => key[0] < ms! || (key[0] === ms && key[1] < seq!));
    const page = start < 0 ? [] : order.slice(start, start + query.count);
    const last = page.at(-1);
    const more = start >= 0 && start + query.count < order.length;
    return {
      builds: page.map(({ record }) => structuredClone(record)),
      ...(more && last ? { cursor: `${last.key[0]}:${last.key[1]}` } : {}),
    };
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
