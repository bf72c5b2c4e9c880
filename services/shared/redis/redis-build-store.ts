import type { Redis } from 'ioredis';
import type { BuildRecord } from '../../core/builds/record.js';
import type { BuildStore } from '../ports/build-store.js';
import { KEYS, TTL } from './keys.js';

/**
 * The record and its place in the recent list in one step, and the place put back when a
 * create is repeated (a planner job retried after a connection cut between the two, during a
 * failover, once left a record `recent` never listed). KEYS: record, recent list. ARGV: JSON,
 * seconds, score, id. 1 when created.
 */
const CREATE = `
local created = redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX')
redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[4])
if created then return 1 end
return 0
`;

/** Build records in Redis, so the receiver's API serves what the planner and executor write. */
export class RedisBuildStore implements BuildStore {
  constructor(private readonly redis: Redis) {}

  async create(record: BuildRecord): Promise<boolean> {
    const score = Date.parse(record.createdAt) || Date.now();
    const args = [JSON.stringify(record), String(TTL.build), String(score), record.id];
    return (await this.redis.eval(CREATE, 2, KEYS.build(record.id), KEYS.recentBuilds, ...args)) === 1;
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
