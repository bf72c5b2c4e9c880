import type { Redis } from 'ioredis';
import type { PermissionCache } from '../ports/permission-cache.js';
import { KEYS } from './keys.js';

/** Roles cached in Redis, each key expiring by itself. */
export class RedisPermissionCache implements PermissionCache {
  constructor(private readonly redis: Redis) {}

  async get(login: string, repo: string): Promise<string | undefined> {
    return (await this.redis.get(KEYS.permission(login, repo))) ?? undefined;
  }

  async put(login: string, repo: string, role: string, ttlMs: number): Promise<void> {
    await this.redis.set(KEYS.permission(login, repo), role, 'PX', Math.max(1, Math.round(ttlMs)));
  }
}
