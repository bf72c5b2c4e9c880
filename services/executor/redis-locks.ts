import type { Redis } from 'ioredis';
import type { LockClaim } from '../core/plan/types.js';
import type { Locks } from './runtime-deps.js';

const LEASE_MS = 60_000;
const POLL_MS = 500;

/**
 * Grants a waiter when it is among the first (capacity - holders) in line. Holders whose
 * lease ran out (a dead executor) are dropped first. Returns 1 when granted, else the
 * current holders.
 * KEYS: holders hash (owner → lease expiry), queue zset (owner → arrival). ARGV: owner, capacity, now, expiry.
 */
const GRANT = `
local holders, queue = KEYS[1], KEYS[2]
local owner, capacity, now, expiry = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
for _, h in ipairs(redis.call('HKEYS', holders)) do
  if tonumber(redis.call('HGET', holders, h)) < now then redis.call('HDEL', holders, h) end
end
if redis.call('HEXISTS', holders, owner) == 1 then
  redis.call('HSET', holders, owner, expiry)
  return 1
end
local free = capacity - redis.call('HLEN', holders)
local rank = redis.call('ZRANK', queue, owner)
if rank and rank < free then
  redis.call('HSET', holders, owner, expiry)
  redis.call('ZREM', queue, owner)
  return 1
end
return redis.call('HKEYS', holders)
`;

/** Named locks and pools in Redis, shared by every executor: oldest waiter first, leases renewed while held. */
export class RedisLocks implements Locks {
  constructor(private readonly redis: Redis) {}

  async acquire(
    claims: readonly LockClaim[],
    owner: string,
    onWaiting: (why: string) => Promise<void>,
    signal: AbortSignal,
  ): Promise<() => Promise<void>> {
    const unique = [...new Map(claims.map((c) => [c.name, c])).values()].sort((a, b) => a.name.localeCompare(b.name));
    const held: LockClaim[] = [];
    let told = false;
    const renew = setInterval(() => {
      for (const claim of held)
        void this.redis.hset(holdersKey(claim.name), owner, String(Date.now() + LEASE_MS)).catch(() => undefined);
    }, LEASE_MS / 3);
    const release = async () => {
      clearInterval(renew);
      for (const claim of unique) {
        await this.redis.multi().hdel(holdersKey(claim.name), owner).zrem(queueKey(claim.name), owner).exec();
      }
    };
    try {
      // In name order, so two builds that need the same locks never hold one each and wait forever.
      for (const claim of unique) {
        await this.redis.zadd(queueKey(claim.name), 'NX', Date.now(), owner);
        for (;;) {
          if (signal.aborted) {
            await release();
            return async () => undefined;
          }
          const result = (await this.redis.eval(
            GRANT,
            2,
            holdersKey(claim.name),
            queueKey(claim.name),
            owner,
            claim.capacity,
            Date.now(),
            Date.now() + LEASE_MS,
          )) as number | string[];
          if (result === 1) break;
          if (!told) {
            told = true;
            const kind =
              claim.capacity > 1 ? `a slot of pool "${claim.name}" (${claim.capacity} slots)` : `lock "${claim.name}"`;
            await onWaiting(`for ${kind}, held by ${(result as string[]).join(', ') || 'another build'}`);
          }
          await new Promise((r) => setTimeout(r, POLL_MS));
        }
        held.push(claim);
      }
    } catch (err) {
      await release();
      throw err;
    }
    return release;
  }
}

const holdersKey = (name: string) => `slipway:lock:${name}:holders`;
const queueKey = (name: string) => `slipway:lock:${name}:queue`;
