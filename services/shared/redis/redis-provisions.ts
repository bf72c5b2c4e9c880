import type { Redis } from 'ioredis';
import { TransientError } from '../../core/errors/slipway-error.js';
import type { Provisions, ProvisionRecord } from '../ports/provisions.js';
import { parseHold } from '../provision/parse-hold.js';
import { KEYS, TTL } from './keys.js';

/** Renews the lease only for its holder, or takes it when free: one round trip, atomic. */
const LEASE = `
local held = redis.call('GET', KEYS[1])
if held == false or held == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

/** Writes ARGV[2] only while the record is still ARGV[1], the text its change was made from. */
const COMPARE_AND_SET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1`;

/** Records read per round trip by `list`. */
const PAGE = 500;

/** How often `update` reads again when other writers keep coming between (each retry is one round trip). */
const MAX_ATTEMPTS = 50;

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

  async update(
    id: string,
    change: (record: ProvisionRecord) => ProvisionRecord | undefined,
  ): Promise<ProvisionRecord | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const text = await this.redis.get(KEYS.provision(id));
      if (text === null) return undefined;
      const next = change(JSON.parse(text) as ProvisionRecord);
      if (!next) return undefined;
      const stored = await this.redis.eval(
        COMPARE_AND_SET,
        1,
        KEYS.provision(id),
        text,
        JSON.stringify(next),
        String(TTL.provision),
      );
      if (stored === 1) return next;
    }
    throw new TransientError(
      'write-contended',
      `provision record ${id}: other writes came between a read and a write ${MAX_ATTEMPTS} times`,
    );
  }

  async list(): Promise<ProvisionRecord[]> {
    // All of them, not the newest few: an old node still joined must stay in the loop's sight.
    const ids = await this.redis.zrevrange(KEYS.provisions, 0, -1);
    const records: ProvisionRecord[] = [];
    for (let i = 0; i < ids.length; i += PAGE) {
      const page = ids.slice(i, i + PAGE);
      const texts = await this.redis.mget(page.map((id) => KEYS.provision(id)));
      // Records past their week are gone: so are their ids.
      const gone = page.filter((_, j) => texts[j] === null);
      if (gone.length > 0) await this.redis.zrem(KEYS.provisions, ...gone);
      for (const t of texts) if (t !== null) records.push(JSON.parse(t) as ProvisionRecord);
    }
    return records;
  }

  async holdNode(buildId: string, nodeId: string): Promise<void> {
    await this.redis.hset(KEYS.provisionHolds, `${buildId} ${nodeId}`, new Date().toISOString());
  }

  async releaseNodes(buildId: string): Promise<void> {
    const mine = (await this.redis.hkeys(KEYS.provisionHolds)).filter((h) => h.startsWith(`${buildId} `));
    if (mine.length > 0) await this.redis.hdel(KEYS.provisionHolds, ...mine);
  }

  async holds(): Promise<Array<{ buildId: string; nodeId: string }>> {
    return (await this.redis.hkeys(KEYS.provisionHolds)).map(parseHold);
  }

  async lease(holder: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(LEASE, 1, KEYS.provisionLease, holder, String(ttlMs))) === 1;
  }
}
