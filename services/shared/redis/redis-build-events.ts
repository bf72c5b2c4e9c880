import type { Redis } from 'ioredis';
import type { BuildEvent, BuildEvents, NewBuildEvent } from '../ports/build-events.js';
import type { Logger } from '../logger.js';
import { KEYS } from './keys.js';
import { StreamTail, compareStreamIds, type StreamEntry } from './stream-tail.js';

/** How many events the stream keeps (approximately): about a day of a busy installation. */
const KEEP = 50_000;
const PAGE = 500;

/**
 * Build events on a Redis stream (`XADD`, ids are the stream's). A follower reads what it
 * missed with `XRANGE` and then what comes live from the process's one blocking reader
 * (StreamTail), so a thousand followers hold one extra connection, not a thousand.
 */
export class RedisBuildEvents implements BuildEvents {
  private readonly tail: StreamTail;

  constructor(
    private readonly redis: Redis,
    connect: () => Redis,
    private readonly logger: Logger,
  ) {
    this.tail = new StreamTail(KEYS.events, connect, logger);
  }

  async publish(events: readonly NewBuildEvent[]): Promise<void> {
    if (events.length === 0) return;
    const batch = this.redis.multi();
    for (const event of events) batch.xadd(KEYS.events, 'MAXLEN', '~', KEEP, '*', 'e', JSON.stringify(event));
    await batch.exec();
  }

  follow(afterId: string | undefined, signal: AbortSignal): AsyncIterable<BuildEvent> {
    return this.iterate(afterId, signal);
  }

  private async *iterate(afterId: string | undefined, signal: AbortSignal): AsyncGenerator<BuildEvent> {
    if (signal.aborted) return;
    const live: StreamEntry[] = [];
    let wake: (() => void) | undefined;
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    const unlisten = await this.tail.listen((entries) => {
      live.push(...entries);
      wake?.();
    });
    try {
      let last = afterId ?? (await this.newestId());
      // What was missed, page by page; the tail's events overlap it and are skipped by id.
      for (;;) {
        const page = (await this.redis.xrange(KEYS.events, `(${last}`, '+', 'COUNT', PAGE)) as StreamEntry[];
        for (const entry of page) {
          if (signal.aborted) return;
          const event = this.parse(entry);
          last = entry[0];
          if (event) yield event;
        }
        if (page.length < PAGE) break;
      }
      while (!signal.aborted) {
        const entry = live.shift();
        if (!entry) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        if (compareStreamIds(entry[0], last) <= 0) continue;
        last = entry[0];
        const event = this.parse(entry);
        if (event) yield event;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      unlisten();
    }
  }

  close(): void {
    this.tail.close();
  }

  private async newestId(): Promise<string> {
    const newest = (await this.redis.xrevrange(KEYS.events, '+', '-', 'COUNT', 1)) as StreamEntry[];
    return newest[0]?.[0] ?? '0-0';
  }

  private parse([id, fields]: StreamEntry): BuildEvent | undefined {
    const text = fields[fields.indexOf('e') + 1];
    try {
      const event = JSON.parse(String(text)) as NewBuildEvent;
      if (event && typeof event === 'object' && typeof event.buildId === 'string') return { ...event, id };
    } catch {
      // Reported below.
    }
    this.logger.warn('build event dropped: not one Slipway wrote', { id, text: String(text).slice(0, 200) });
    return undefined;
  }
}
