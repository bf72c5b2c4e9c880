import type { Redis } from 'ioredis';
import type { Provisions, ProvisionRecord } from '../ports/provisions.js';
import { KEYS, TTL } from './keys.js';

/** Renews the lease only for its holder, or takes it when free: one round trip, atomic. */
const LEASE = `
local held = redis.call('GET', KEYS[1])
if held == false or held == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

/** Provisioned nodes in Redis: a JSON string per request (`SET NX` makes one), a sorted set of ids by request time. */
export class RedisProvisions implements Provisions {
  constructor(private readonly redis: Redis) {}

  async create(record: ProvisionRecord): Promise<boolean> {
    const made = await this.redis.set(KEYS.provision(record.id), JSON.stringify(record), 'EX', TTL.provision, 'NX');
    if (made !== 'OK') return false;
    await this.redis.zadd(KEYS.provisions, Date.parse(record.requestedAt), record.id);
    return true;
  }

  async get(id: string): Promise<ProvisionRecord | undefined> {
    const text = await this.redis.get(KEYS.provision(id));
    return text === null ? undefined : (JSON.parse(text) as ProvisionRecord);
  }

  async put(record: ProvisionRecord): Promise<void> {
    await this.redis
      .multi()
      .set(KEYS.provision(record.id), JSON.stringify(record), 'EX', TTL.provision)
      .zadd(KEYS.provisions, Date.parse(record.requestedAt), record.id)
      .exec();
  }

  async list(): Promise<ProvisionRecord[]> {
    const ids = await this.redis.zrevrange(KEYS.provisions, 0, 499);
    if (ids.length === 0) return [];
    const texts = await this.redis.mget(ids.map((id) => KEYS.provision(id)));
    const gone = ids.filter((_, i) => texts[i] === null);
    if (gone.length > 0) await this.redis.zrem(KEYS.provisions, ...gone);
    return texts.filter((t): t is string => t !== null).map((t) => JSON.parse(t) as ProvisionRecord);
  }

  async lease(holder: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(LEASE, 1, KEYS.provisionLease, holder, String(ttlMs))) === 1;
  }
}
