import type { Redis } from 'ioredis';
import type { BuildRecord } from '../core/builds/record.js';
import type { LogLine } from '../core/builds/log-line.js';

/** A message on a step's live channel: `lines` end at index `end` of the stored log. */
export interface LiveLog {
  end: number;
  lines: readonly LogLine[];
  /** The step is over; `lines` is then its complete log. */
  done?: boolean;
}

const BUILD_TTL_SECONDS = 30 * 24 * 3600;
const buildKey = (id: string) => `slipway:build:${id}`;
const RECENT = 'slipway:builds';
const logKey = (id: string, step: string) => `slipway:log:${id}:${step}`;
export const logChannel = (id: string, step: string) => `slipway:log-live:${id}:${step}`;

/**
 * Builds and step logs. Each build has one writer at a time (the planner, then the
 * executor); readers are the API and live log streams.
 */
export interface BuildStore {
  /** Stores a new build; false when one with this id exists (a request planned twice). */
  create(record: BuildRecord): Promise<boolean>;
  get(id: string): Promise<BuildRecord | undefined>;
  put(record: BuildRecord): Promise<void>;
  /** Appends lines to a step's log as they are printed. */
  appendLog(id: string, step: string, lines: readonly LogLine[]): Promise<void>;
  /** Replaces a step's log with the complete one, read after the step ended. */
  replaceLog(id: string, step: string, lines: readonly LogLine[]): Promise<void>;
  log(id: string, step: string): Promise<LogLine[]>;
  /** The newest builds first, at most `count`. */
  recent(count: number): Promise<BuildRecord[]>;
}

/** The store of the services: in Redis, so the receiver's API serves what the executor writes. */
export class RedisBuildStore implements BuildStore {
  constructor(private readonly redis: Redis) {}

  /** Stores a new build; false when one with this id exists (a request planned twice). */
  async create(record: BuildRecord): Promise<boolean> {
    const ok = await this.redis.set(buildKey(record.id), JSON.stringify(record), 'EX', BUILD_TTL_SECONDS, 'NX');
    if (ok === 'OK') await this.redis.zadd(RECENT, Date.parse(record.createdAt) || Date.now(), record.id);
    return ok === 'OK';
  }

  async recent(count: number): Promise<BuildRecord[]> {
    const ids = await this.redis.zrevrange(RECENT, 0, count - 1);
    if (ids.length === 0) return [];
    const texts = await this.redis.mget(ids.map(buildKey));
    return texts.filter((t): t is string => t !== null).map((t) => JSON.parse(t) as BuildRecord);
  }

  async get(id: string): Promise<BuildRecord | undefined> {
    const text = await this.redis.get(buildKey(id));
    return text ? (JSON.parse(text) as BuildRecord) : undefined;
  }

  async put(record: BuildRecord): Promise<void> {
    await this.redis.set(buildKey(record.id), JSON.stringify(record), 'EX', BUILD_TTL_SECONDS);
  }

  /**
   * Appends lines to a step's log as they arrive, and announces them to live readers with
   * the log's length after them, so a reader that also read the stored log skips none and
   * repeats none. One writer per step.
   */
  async appendLog(id: string, step: string, lines: readonly LogLine[]): Promise<void> {
    if (lines.length === 0) return;
    const end = await this.redis.rpush(logKey(id, step), ...lines.map((l) => JSON.stringify(l)));
    await this.redis.expire(logKey(id, step), BUILD_TTL_SECONDS);
    await this.redis.publish(logChannel(id, step), JSON.stringify({ end, lines } satisfies LiveLog));
  }

  /**
   * Replaces a step's log with the complete one read after the step ended, and tells live
   * readers the step is over (with any lines they have not seen).
   */
  async replaceLog(id: string, step: string, lines: readonly LogLine[]): Promise<void> {
    const tx = this.redis.multi().del(logKey(id, step));
    if (lines.length > 0) tx.rpush(logKey(id, step), ...lines.map((l) => JSON.stringify(l)));
    await tx.expire(logKey(id, step), BUILD_TTL_SECONDS).exec();
    await this.redis.publish(
      logChannel(id, step),
      JSON.stringify({ end: lines.length, lines, done: true } satisfies LiveLog),
    );
  }

  async log(id: string, step: string): Promise<LogLine[]> {
    const raw = await this.redis.lrange(logKey(id, step), 0, -1);
    return raw.map((r) => JSON.parse(r) as LogLine);
  }
}
