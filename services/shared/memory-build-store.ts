import type { BuildRecord } from '../core/builds/record.js';
import type { LogLine } from '../core/builds/log-line.js';
import type { BuildStore } from './build-store.js';

/** A build store in memory, for `slipway run`: no Redis, and every appended line handed to `onLines`. */
export class MemoryBuildStore implements BuildStore {
  private readonly builds = new Map<string, BuildRecord>();
  private readonly logs = new Map<string, LogLine[]>();

  constructor(private readonly onLines: (step: string, lines: readonly LogLine[]) => void = () => undefined) {}

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

  async appendLog(id: string, step: string, lines: readonly LogLine[]): Promise<void> {
    this.logs.set(`${id}/${step}`, [...(this.logs.get(`${id}/${step}`) ?? []), ...lines]);
    if (lines.length > 0) this.onLines(step, lines);
  }

  async replaceLog(id: string, step: string, lines: readonly LogLine[]): Promise<void> {
    const shown = this.logs.get(`${id}/${step}`)?.length ?? 0;
    this.logs.set(`${id}/${step}`, [...lines]);
    // Lines the live stream missed (its tail) are shown now.
    if (lines.length > shown) this.onLines(step, lines.slice(shown));
  }

  async recent(count: number): Promise<BuildRecord[]> {
    return [...this.builds.values()]
      .reverse()
      .slice(0, count)
      .map((r) => structuredClone(r));
  }

  async log(id: string, step: string): Promise<LogLine[]> {
    return [...(this.logs.get(`${id}/${step}`) ?? [])];
  }
}
