import type { Redis } from 'ioredis';
import { LogCursor } from '../../core/builds/log-cursor.js';
import type { LogLine } from '../../core/builds/log-line.js';
import type { Logger } from '../logger.js';
import type { LogStore, LogUpdate } from '../ports/log-store.js';
import { KEYS, TTL } from './keys.js';
import type { Subscriptions } from './subscriptions.js';

/** A message on a step's live channel: `lines` end at index `end` of the stored log. */
interface LiveLog {
  end: number;
  lines: LogLine[];
  /** The step is over; `lines` is then its complete log. */
  done?: boolean;
}

/**
 * Step logs in Redis lists, and their live fan-out on a channel per step. Each announcement
 * says where its lines end in the stored log, so a follower that also read the stored log
 * skips none and repeats none.
 */
export class RedisLogStore implements LogStore {
  constructor(
    private readonly redis: Redis,
    private readonly subscriptions: Subscriptions,
    private readonly logger: Logger,
  ) {}

  async append(buildId: string, step: string, lines: readonly LogLine[]): Promise<void> {
    if (lines.length === 0) return;
    const key = KEYS.log(buildId, step);
    const end = await this.redis.rpush(key, ...lines.map((l) => JSON.stringify(l)));
    await this.redis.expire(key, TTL.build);
    await this.announce(buildId, step, { end, lines: [...lines] });
  }

  async replace(buildId: string, step: string, lines: readonly LogLine[]): Promise<void> {
    const key = KEYS.log(buildId, step);
    const tx = this.redis.multi().del(key);
    if (lines.length > 0) tx.rpush(key, ...lines.map((l) => JSON.stringify(l)));
    await tx.expire(key, TTL.build).exec();
    await this.announce(buildId, step, { end: lines.length, lines: [...lines], done: true });
  }

  async read(buildId: string, step: string): Promise<LogLine[]> {
    const raw = await this.redis.lrange(KEYS.log(buildId, step), 0, -1);
    return raw.map((r) => JSON.parse(r) as LogLine);
  }

  async follow(buildId: string, step: string, listener: (update: LogUpdate) => void): Promise<() => void> {
    const cursor = new LogCursor();
    const deliver = (message: LiveLog) => {
      const lines = cursor.take(message.lines, message.end - message.lines.length);
      if (lines.length > 0 || message.done) listener({ lines, done: message.done === true });
    };
    // Subscribe before reading what is stored, so no line falls between the two.
    const early: LiveLog[] = [];
    let reading = true;
    const channel = KEYS.logChannel(buildId, step);
    const unsubscribe = await this.subscriptions.listen(channel, (text) => {
      const message = parseLiveLog(text);
      if (!message) return this.logger.warn('live log message dropped: not understood', { channel, text });
      if (reading) early.push(message);
      else deliver(message);
    });
    try {
      const stored = await this.read(buildId, step);
      deliver({ end: stored.length, lines: stored });
    } catch (err) {
      await unsubscribe();
      throw err;
    }
    reading = false;
    for (const message of early.splice(0)) deliver(message);
    return () => void unsubscribe();
  }

  private async announce(buildId: string, step: string, message: LiveLog): Promise<void> {
    await this.redis.publish(KEYS.logChannel(buildId, step), JSON.stringify(message));
  }
}

/** The message, or undefined when it is not one a writer of this version sends. */
function parseLiveLog(text: string): LiveLog | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const message = value as Partial<LiveLog> | null;
  if (typeof message !== 'object' || message === null) return undefined;
  if (!Number.isInteger(message.end) || !Array.isArray(message.lines)) return undefined;
  const lineOk = (l: unknown) =>
    typeof l === 'object' &&
    l !== null &&
    typeof (l as LogLine).text === 'string' &&
    typeof (l as LogLine).time === 'string';
  if (!message.lines.every(lineOk)) return undefined;
  return { end: message.end!, lines: message.lines, ...(message.done === true ? { done: true } : {}) };
}
