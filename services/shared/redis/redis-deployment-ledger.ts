import type { Redis } from 'ioredis';
import type { DeploymentEntry, DeploymentLedger } from '../ports/deployment-ledger.js';
import { KEYS, TTL } from './keys.js';

/** Keeps the highest rank. KEYS: the deployment hash. ARGV: rank, TTL. */
const SAVE_SEQ = `
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq'))
if not seq or seq < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'seq', ARGV[1]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
`;

/** Each build's GitHub deployment per environment, in a Redis hash (`id`, `seq`). */
export class RedisDeploymentLedger implements DeploymentLedger {
  constructor(private readonly redis: Redis) {}

  async get(buildId: string, environment: string): Promise<DeploymentEntry> {
    const known = await this.redis.hgetall(KEYS.deployment(buildId, environment));
    return {
      ...(known.id !== undefined ? { id: Number(known.id) } : {}),
      ...(known.seq !== undefined ? { seq: Number(known.seq) } : {}),
    };
  }

  async saveId(buildId: string, environment: string, id: number): Promise<number> {
    const key = KEYS.deployment(buildId, environment);
    const [, [, kept]] = (await this.redis
      .multi()
      .hsetnx(key, 'id', String(id))
      .hget(key, 'id')
      .expire(key, TTL.deployment)
      .exec()) as [[Error | null, unknown], [Error | null, string]];
    return Number(kept);
  }

  async saveSeq(buildId: string, environment: string, seq: number): Promise<void> {
    await this.redis.eval(SAVE_SEQ, 1, KEYS.deployment(buildId, environment), seq, TTL.deployment);
  }
}
