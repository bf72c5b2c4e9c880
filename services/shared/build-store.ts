import type { Redis } from 'ioredis';
import type { BuildRecord } from '../core/build/record.js';

/** One line of a step's output. */
export interface LogLine {
  /** ISO time Docker stamped the line with. */
  time: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

const BUILD_TTL_SECONDS = 30 * 24 * 3600;
const buildKey = (id: string) => `slipway:build:${id}`;
const logKey = (id: string, step: string) => `slipway:log:${id}:${step}`;
export const logChannel = (id: string, step: string) => `slipway:log-live:${id}:${step}`;

/**
 * Builds and step logs, kept in Redis so the receiver's API can serve what the executor
 * writes. Each build has one writer at a time (the planner, then the executor).
 */
export class BuildStore {
  constructor(private readonly redis: Redis) {}

  /** Stores a new build; false when one with this id exists (a request planned twice). */
  async create(record: BuildRecord): Promise<boolean> {
    const ok = await this.redis.set(buildKey(record.id), JSON.stringify(record), 'EX', BUILD_TTL_SECONDS, 'NX');
    return ok === 'OK';
  }

  async get(id: string): Promise<BuildRecord | undefined> {
    const text = await this.redis.get(buildKey(id));
    return text ? (JSON.parse(text) as BuildRecord) : undefined;
  }

  async put(record: BuildRecord): Promise<void> {
    await this.redis.set(buildKey(record.id), JSON.stringify(record), 'EX', BUILD_TTL_SECONDS);
  }

  /** Appends lines to a step's log as they arrive, and announces them to live readers. */
  async appendLog(id: string, step: string, lines: readonly LogLine[]): Promise<void> {
    if (lines.length === 0) return;
    const encoded = lines.map((l) => JSON.stringify(l));
    await this.redis
      .multi()
      .rpush(logKey(id, step), ...encoded)
      .expire(logKey(id, step), BUILD_TTL_SECONDS)
      .publish(logChannel(id, step), JSON.stringify(lines))
      .exec();
  }

  /** Replaces a step's log with the complete one read after the step ended. */
  async replaceLog(id: string, step: string, lines: readonly LogLine[]): Promise<void> {
    const tx = this.redis.multi().del(logKey(id, step));
    if (lines.length > 0) tx.rpush(logKey(id, step), ...lines.map((l) => JSON.stringify(l)));
    await tx.expire(logKey(id, step), BUILD_TTL_SECONDS).exec();
  }

  async log(id: string, step: string): Promise<LogLine[]> {
    const raw = await this.redis.lrange(logKey(id, step), 0, -1);
    return raw.map((r) => JSON.parse(r) as LogLine);
  }
}
