import type { Redis } from 'ioredis';
import type { BuildRecord } from '../../core/builds/record.js';
import type { BuildScan, BuildStore } from '../ports/build-store.js';
import { KEYS, TTL } from './keys.js';

/**
 * The record and its places in the recent lists in one step, and the places put back when a
 * create is repeated (a planner job retried after a connection cut between them, during a
 * failover, once left a record `recent` never listed). KEYS: record, recent list, the
 * repository's list. ARGV: JSON, seconds, score, id. 1 when created.
 */
const CREATE = `
local created = redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX')
redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[4])
redis.call('ZADD', KEYS[3], 'NX', ARGV[3], ARGV[4])
if created then return 1 end
return 0
`;

/** Build records in Redis, so the receiver's API serves what the planner and executor write. */
export class RedisBuildStore implements BuildStore {
  constructor(private readonly redis: Redis) {}

  async create(record: BuildRecord): Promise<boolean> {
    const at = Date.parse(record.createdAt) || Date.now();
    const repo = `${record.request.repo.owner}/${record.request.repo.name}`;
    const keys = [KEYS.build(record.id), KEYS.recentBuilds, KEYS.buildsOfRepo(repo)];
    return (
      (await this.redis.eval(CREATE, 3, ...keys, JSON.stringify(record), String(TTL.build), String(at), record.id)) ===
      1
    );
  }

  async scan(query: BuildScan): Promise<{ builds: BuildRecord[]; cursor?: string }> {
    const key = query.repo ? KEYS.buildsOfRepo(query.repo) : KEYS.recentBuilds;
    // Cursor `score:id`: of that score, the ids before it (the set lists ties by id, reversed); then older scores.
    let ids: Array<{ id: string; score: string }> = [];
    if (query.cursor === undefined) {
      ids = pairs(await this.redis.zrevrangebyscore(key, '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, query.count + 1));
    } else {
      const at = query.cursor.indexOf(':');
      const score = query.cursor.slice(0, at);
      const after = query.cursor.slice(at + 1);
      if (!/^\d+$/.test(score)) return { builds: [] };
      const ties = pairs(await this.redis.zrevrangebyscore(key, score, score, 'WITHSCORES')).filter(
        (p) => p.id < after,
      );
      const older = pairs(
        await this.redis.zrevrangebyscore(key, `(${score}`, '-inf', 'WITHSCORES', 'LIMIT', 0, query.count + 1),
      );
      ids = [...ties, ...older];
    }
    const page = ids.slice(0, query.count);
    const texts = page.length ? await this.redis.mget(page.map((p) => KEYS.build(p.id))) : [];
    const builds = texts.filter((t): t is string => t !== null).map((t) => JSON.parse(t) as BuildRecord);
    const last = page.at(-1);
    return { builds, ...(ids.length > query.count && last ? { cursor: `${last.score}:${last.id}` } : {}) };
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

/** `[id, score, id, score, …]` as pairs. */
function pairs(flat: string[]): Array<{ id: string; score: string }> {
  const out: Array<{ id: string; score: string }> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ id: flat[i]!, score: flat[i + 1]! });
  return out;
}
