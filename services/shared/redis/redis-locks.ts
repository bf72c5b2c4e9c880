import type { Redis } from 'ioredis';
import type { LockClaim } from '../../core/plan/types.js';
import { uniqueClaims, waitingFor } from '../ports/lock-claims.js';
import type { Locks } from '../ports/locks.js';
import { KEYS } from './keys.js';

const LEASE_MS = 60_000;

/**
 * Grants a waiter when it is among the first (capacity - holders) in line. Holders whose
 * lease ran out (a dead executor) are dropped first, and so are waiters that stopped asking
 * (their executor died while they waited): neither can wedge the queue. The caller's own
 * waiting lease is renewed. Returns 1 when granted, else how many wait before the caller
 * followed by the current holders.
 * KEYS: holders hash (owner → lease expiry), queue zset (owner → arrival), waiters hash
 * (owner → waiting lease expiry). ARGV: owner, capacity, now, hold expiry, waiting expiry.
 */
const GRANT = `
local holders, queue, waiters = KEYS[1], KEYS[2], KEYS[3]
local owner, capacity, now, expiry, waiting = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
for _, h in ipairs(redis.call('HKEYS', holders)) do
  if tonumber(redis.call('HGET', holders, h)) < now then redis.call('HDEL', holders, h) end
end
for _, w in ipairs(redis.call('ZRANGE', queue, 0, -1)) do
  local lapse = tonumber(redis.call('HGET', waiters, w) or '0')
  if w ~= owner and lapse < now then
    redis.call('ZREM', queue, w)
    redis.call('HDEL', waiters, w)
  end
end
if redis.call('HEXISTS', holders, owner) == 1 then
  redis.call('HSET', holders, owner, expiry)
  redis.call('ZREM', queue, owner)
  redis.call('HDEL', waiters, owner)
  return 1
end
local free = capacity - redis.call('HLEN', holders)
local rank = redis.call('ZRANK', queue, owner)
if rank and rank < free then
  redis.call('HSET', holders, owner, expiry)
  redis.call('ZREM', queue, owner)
  redis.call('HDEL', waiters, owner)
  return 1
end
if rank then redis.call('HSET', waiters, owner, waiting) end
local answer = redis.call('HKEYS', holders)
table.insert(answer, 1, rank or 0)
return answer
`;

/**
 * Extends a hold that still exists: a hold dropped for an expired lease (its lock may be
 * someone else's now) is not brought back. KEYS: holders hash. ARGV: owner, expiry.
 */
const RENEW = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
`;

/**
 * Named locks and pools in Redis, shared by every executor: oldest waiter first (by arrival),
 * leases renewed while held, so a dead executor's locks expire. Waiters poll every `pollMs`,
 * each poll renewing their place in line for `waitingLeaseMs` (default 20 polls, at least
 * 10 s): a waiter that stops polling (its executor died) loses its place once that runs out.
 */
export class RedisLocks implements Locks {
  private readonly waitingLeaseMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: { pollMs?: number; waitingLeaseMs?: number } = {},
  ) {
    this.waitingLeaseMs = options.waitingLeaseMs ?? Math.max(10_000, 20 * (options.pollMs ?? 500));
  }

  async acquire(
    claims: readonly LockClaim[],
    owner: string,
    onWaiting: (why: string) => Promise<void>,
    signal: AbortSignal,
  ): Promise<() => Promise<void>> {
    const unique = uniqueClaims(claims);
    const held: LockClaim[] = [];
    let told = '';
    const renew = setInterval(() => {
      for (const claim of held)
        void this.redis
          .eval(RENEW, 1, KEYS.lockHolders(claim.name), owner, Date.now() + LEASE_MS)
          .catch(() => undefined);
    }, LEASE_MS / 3);
    const release = async () => {
      clearInterval(renew);
      for (const claim of unique) {
        await this.redis
          .multi()
          .hdel(KEYS.lockHolders(claim.name), owner)
          .zrem(KEYS.lockQueue(claim.name), owner)
          .hdel(KEYS.lockWaiters(claim.name), owner)
          .exec();
      }
    };
    try {
      for (const claim of unique) {
        await this.redis
          .multi()
          .zadd(KEYS.lockQueue(claim.name), 'NX', Date.now(), owner)
          .hset(KEYS.lockWaiters(claim.name), owner, Date.now() + this.waitingLeaseMs)
          .exec();
        for (;;) {
          if (signal.aborted) {
            await release();
            return async () => undefined;
          }
          const result = (await this.redis.eval(
            GRANT,
            3,
            KEYS.lockHolders(claim.name),
            KEYS.lockQueue(claim.name),
            KEYS.lockWaiters(claim.name),
            owner,
            claim.capacity,
            Date.now(),
            Date.now() + LEASE_MS,
            Date.now() + this.waitingLeaseMs,
          )) as 1 | [number, ...string[]];
          if (result === 1) break;
          const [ahead, ...holders] = result;
          const why = waitingFor(claim, holders, ahead);
          if (why !== told) {
            told = why;
            await onWaiting(why);
          }
          await abortable(this.options.pollMs ?? 500, signal);
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

/** Sleeps `ms`, or less when `signal` aborts. */
function abortable(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
