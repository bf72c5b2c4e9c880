import type { Redis } from 'ioredis';
import type { CheckEntry, CheckLedger, CheckRunKey } from '../ports/check-ledger.js';
import { KEYS, TTL } from './keys.js';

/** Saves an entry, keeping a recorded id. KEYS: the run's hash. ARGV: id ('' for none), fingerprint, sent, TTL. */
const SAVE = `
if ARGV[1] ~= '' then redis.call('HSETNX', KEYS[1], 'id', ARGV[1]) end
redis.call('HSET', KEYS[1], 'fingerprint', ARGV[2], 'sent', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
`;

/** Claims for `owner` unless someone else holds it. KEYS: the claim. ARGV: owner, ttl ms. */
const CLAIM = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/** Deletes the claim only when `owner` holds it. KEYS: the claim. ARGV: owner. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
`;

/** Each build's check runs in Redis hashes (`id`, `fingerprint`, `sent`), and short-lived claims beside them. */
export class RedisCheckLedger implements CheckLedger {
  constructor(private readonly redis: Redis) {}

  async get(run: CheckRunKey): Promise<CheckEntry> {
    const known = await this.redis.hgetall(KEYS.checkRun(run.buildId, run.sha, run.name));
    return {
      ...(known.id !== undefined ? { id: Number(known.id) } : {}),
      ...(known.fingerprint ? { fingerprint: known.fingerprint } : {}),
      annotationsSent: Number(known.sent ?? 0),
    };
  }

  async save(run: CheckRunKey, entry: CheckEntry): Promise<void> {
    await this.redis.eval(
      SAVE,
      1,
      KEYS.checkRun(run.buildId, run.sha, run.name),
      entry.id === undefined ? '' : String(entry.id),
      entry.fingerprint ?? '',
      entry.annotationsSent,
      TTL.checkRun,
    );
  }

  async claim(run: CheckRunKey, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(CLAIM, 1, KEYS.checkClaim(run.buildId, run.sha, run.name), owner, ttlMs)) === 1;
  }

  async release(run: CheckRunKey, owner: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, KEYS.checkClaim(run.buildId, run.sha, run.name), owner);
  }
}
