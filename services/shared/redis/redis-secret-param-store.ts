import type { Redis } from 'ioredis';
import type { SecretParamStore } from '../ports/secret-param-store.js';
import { KEYS } from './keys.js';

/** Secret parameters' values in Redis: one hash per request, expiring as a whole. */
export class RedisSecretParamStore implements SecretParamStore {
  constructor(private readonly redis: Redis) {}

  async put(requestId: string, values: Readonly<Record<string, string>>, ttlMs: number): Promise<void> {
    const key = KEYS.secretParams(requestId);
    const multi = this.redis.multi().del(key);
    if (Object.keys(values).length > 0) multi.hset(key, values).pexpire(key, ttlMs);
    await multi.exec();
  }

  async get(requestId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(KEYS.secretParams(requestId));
  }
}
