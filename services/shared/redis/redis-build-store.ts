import type { Redis } from 'ioredis';
import type { BuildRecord } from '../../core/builds/record.js';
import type { BuildStore } from '../ports/build-store.js';
import { KEYS, TTL } from './keys.js';

/** Build records in Redis, so the receiver's API serves what the planner and executor write. */
export class RedisBuildStore implements BuildStore {
  constructor(private readonly redis: Redis) {}

  async create(record: BuildRecord): Promise<boolean> {
    const ok = await this.redis.set(KEYS.build(record.id), JSON.stringify(record), 'EX', TTL.build, 'NX');
    if (ok === 'OK') await this.redis.zadd(KEYS.recentBuilds, Date.parse(record.createdAt) || Date.now(), record.id);
    return ok === 'OK';
  }

  async recent(count: number): Promise<BuildRecord[]> {
    const ids = await this.redis.zrevrange(KEYS.recentBuilds, 0, count - 1);
    if (ids.length === 0) return [];
    const texts = await this.redis.mget(ids.map(KEYS.build));
    return texts.filter((t): t is string => t !== null).map((t) => JSON.parse(t) as BuildRecord);
  }

  async get(id: string): Promise<BuildRecord | undefined> {
    const text = await this.redis.get(KEYS.build(id));
    return text ? (JSON.parse(text) as BuildRecord) : undefined;
  }

  async put(record: BuildRecord): Promise<void> {
    await this.redis.set(KEYS.build(record.id), JSON.stringify(record), 'EX', TTL.build);
  }
}
