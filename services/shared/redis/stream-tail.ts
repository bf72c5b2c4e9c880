import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/** A stream entry as ioredis gives it: `[id, [field, value, …]]`. */
export type StreamEntry = [string, string[]];

type Listener = (entries: StreamEntry[]) => void;

/** Orders two stream ids (`ms-seq`): negative, zero or positive. */
export function compareStreamIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

/**
 * The process's one blocking reader of a stream: `XREAD BLOCK` on its own connection while
 * anyone listens, handing each new entry to every listener. `listen` resolves once the reader
 * knows where it starts, so a listener misses nothing published after that. After a lost
 * connection it reads on from the last id it saw.
 */
export class StreamTail {
  private connection: Redis | undefined;
  private readonly listeners = new Set<Listener>();
  private position: Promise<string> | undefined;
  private running = false;

  constructor(
    private readonly key: string,
    private readonly connect: () => Redis,
    private readonly logger: Logger,
  ) {}

  async listen(listener: Listener): Promise<() => void> {
    this.listeners.add(listener);
    if (!this.running) this.start();
    await this.position;
    return () => void this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
    this.running = false;
    this.connection?.disconnect();
    this.connection = undefined;
  }

  private start(): void {
    this.running = true;
    const redis = (this.connection ??= this.connect());
    this.position = redis
      .xrevrange(this.key, '+', '-', 'COUNT', 1)
      .then((newest) => (newest as StreamEntry[])[0]?.[0] ?? '0-0');
    void this.position.then(
      (from) => this.read(redis, from),
      (err: unknown) => {
        this.running = false;
        this.logger.error('build event reader could not start', { err });
      },
    );
  }

  private async read(redis: Redis, from: string): Promise<void> {
    let last = from;
    while (this.running && this.listeners.size > 0) {
      try {
        const answer = (await redis.xread('COUNT', 500, 'BLOCK', 5_000, 'STREAMS', this.key, last)) as Array<
          [string, StreamEntry[]]
        > | null;
        const entries = answer?.[0]?.[1] ?? [];
        if (entries.length === 0) continue;
        last = entries[entries.length - 1]![0];
        for (const listener of [...this.listeners]) listener(entries);
      } catch (err) {
        if (!this.running) return;
        this.logger.warn('build event reader lost Redis; reading on', { err: (err as Error).message });
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
    this.running = false;
  }
}
