import type { BuildEvent, BuildEvents, NewBuildEvent } from '../ports/build-events.js';

/** Build events in this process's memory: unit tests and `slipway run`. Ids are zero-padded counters. */
export class MemoryBuildEvents implements BuildEvents {
  private readonly kept: BuildEvent[] = [];
  private readonly wakers = new Set<() => void>();
  private next = 1;

  constructor(private readonly limit = 10_000) {}

  async publish(events: readonly NewBuildEvent[]): Promise<void> {
    for (const event of events)
      this.kept.push({ ...structuredClone(event), id: String(this.next++).padStart(12, '0') });
    if (this.kept.length > this.limit) this.kept.splice(0, this.kept.length - this.limit);
    for (const wake of [...this.wakers]) wake();
  }

  /** Every event kept, oldest first (for tests). */
  all(): BuildEvent[] {
    return structuredClone(this.kept);
  }

  follow(afterId: string | undefined, signal: AbortSignal): AsyncIterable<BuildEvent> {
    // Taken when `follow` is called, so "only new ones" means published after this call.
    return this.iterate(afterId ?? String(this.next - 1).padStart(12, '0'), signal);
  }

  private async *iterate(after: string, signal: AbortSignal): AsyncGenerator<BuildEvent> {
    let last = after;
    while (!signal.aborted) {
      const fresh = this.kept.filter((e) => e.id > last);
      for (const event of fresh) {
        if (signal.aborted) return;
        last = event.id;
        yield structuredClone(event);
      }
      if (fresh.length > 0) continue;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.wakers.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.wakers.add(wake);
        signal.addEventListener('abort', wake);
      });
    }
  }
}
