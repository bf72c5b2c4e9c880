import type { Redis } from 'ioredis';
import type { ExecutorPresence, ExecutorReport } from '../ports/executor-presence.js';
import { KEYS } from './keys.js';

/**
 * Executors' reports in Redis: each report a key that expires by itself, and a sorted set of
 * ids by expiry so the list needs no SCAN; ids whose time is up are dropped as they are read.
 */
export class RedisExecutorPresence implements ExecutorPresence {
  constructor(private readonly redis: Redis) {}

  async report(report: ExecutorReport, ttlMs: number): Promise<void> {
    const ms = Math.max(1, Math.round(ttlMs));
    await this.redis
      .multi()
      .set(KEYS.executor(report.id), JSON.stringify(report), 'PX', ms)
      .zadd(KEYS.executors, Date.now() + ms, report.id)
      .exec();
  }

  async leave(id: string): Promise<void> {
    await this.redis.multi().del(KEYS.executor(id)).zrem(KEYS.executors, id).exec();
  }

  async list(): Promise<ExecutorReport[]> {
    await this.redis.zremrangebyscore(KEYS.executors, '-inf', String(Date.now()));
    const ids = await this.redis.zrange(KEYS.executors, '0', '-1');
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => KEYS.executor(id)));
    return values
      .filter((value): value is string => value !== null)
      .map((value) => JSON.parse(value) as ExecutorReport)
      .sort((a, b) => a.id.localeCompare(b.id));
  }
}
