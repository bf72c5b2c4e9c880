import { LogCursor } from '../../core/builds/log-cursor.js';
import type { LogLine } from '../../core/builds/log-line.js';
import type { LogStore, LogUpdate } from '../ports/log-store.js';

interface Follower {
  cursor: LogCursor;
  listener: (update: LogUpdate) => void;
}

/**
 * Step logs in this process's memory: unit tests and `slipway run`, which prints each step's
 * lines as they come by following every step (`onLines` is given exactly the lines not given
 * before, as a follower is).
 */
export class MemoryLogStore implements LogStore {
  private readonly logs = new Map<string, LogLine[]>();
  private readonly followers = new Map<string, Set<Follower>>();
  private readonly everyStep = new Map<string, LogCursor>();

  constructor(private readonly onLines?: (step: string, lines: readonly LogLine[]) => void) {}

  async append(buildId: string, step: string, lines: readonly LogLine[]): Promise<void> {
    if (lines.length === 0) return;
    const log = this.logs.get(key(buildId, step)) ?? [];
    const from = log.length;
    this.logs.set(key(buildId, step), [...log, ...lines]);
    this.announce(buildId, step, lines, from, false);
  }

  async replace(buildId: string, step: string, lines: readonly LogLine[]): Promise<void> {
    this.logs.set(key(buildId, step), [...lines]);
    this.announce(buildId, step, lines, 0, true);
  }

  async read(buildId: string, step: string): Promise<LogLine[]> {
    return [...(this.logs.get(key(buildId, step)) ?? [])];
  }

  async follow(buildId: string, step: string, listener: (update: LogUpdate) => void): Promise<() => void> {
    const follower: Follower = { cursor: new LogCursor(), listener };
    const stored = follower.cursor.take(this.logs.get(key(buildId, step)) ?? [], 0);
    if (stored.length > 0) listener({ lines: stored, done: false });
    const set = this.followers.get(key(buildId, step)) ?? new Set();
    this.followers.set(key(buildId, step), set.add(follower));
    return () => {
      set.delete(follower);
      if (set.size === 0) this.followers.delete(key(buildId, step));
    };
  }

  private announce(buildId: string, step: string, lines: readonly LogLine[], from: number, done: boolean): void {
    for (const follower of [...(this.followers.get(key(buildId, step)) ?? [])]) {
      const fresh = follower.cursor.take(lines, from);
      if (fresh.length > 0 || done) follower.listener({ lines: fresh, done });
    }
    if (!this.onLines) return;
    const cursor = this.everyStep.get(key(buildId, step)) ?? new LogCursor();
    this.everyStep.set(key(buildId, step), cursor);
    const fresh = cursor.take(lines, from);
    if (fresh.length > 0) this.onLines(step, fresh);
  }
}

const key = (buildId: string, step: string) => `${buildId}/${step}`;
