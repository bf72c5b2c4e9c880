import type { Redis } from 'ioredis';
import type { BuildRecord } from '../../core/builds/record.js';
import type { BuildScan, BuildStore } from '../ports/build-store.js';
import { KEYS, TTL } from './keys.js';

/** Build records in Redis, so the receiver's API serves what the planner and executor write. */
export class RedisBuildStore implements BuildStore {
  constructor(private readonly redis: Redis) {}

  async create(record: BuildRecord): Promise<boolean> {
    const ok = await this.redis.set(KEYS.build(record.id), JSON.stringify(record), 'EX', TTL.build, 'NX');
    if (ok === 'OK') {
      const at = Date.parse(record.createdAt) || Date.now();
      const repo = `${record.request.repo.owner}/${record.request.repo.name}`;
      await this.redis
        .multi()
        .zadd(KEYS.recentBuilds, at, record.id)
        .zadd(KEYS.buildsOfRepo(repo), at, record.id)
        .exec();
    }
    return ok === 'OK';
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
