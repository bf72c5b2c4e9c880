import type { Redis } from 'ioredis';
import type { Session, Sessions } from '../ports/sessions.js';
import { KEYS } from './keys.js';

/** Sessions in Redis, each key expiring with its session. */
export class RedisSessions implements Sessions {
  constructor(private readonly redis: Redis) {}

  async create(session: Session): Promise<void> {
    const ms = Date.parse(session.expiresAt) - Date.now();
    if (ms <= 0) return;
    await this.redis.set(KEYS.session(session.key), JSON.stringify(session), 'PX', ms);
  }

  async get(key: string): Promise<Session | undefined> {
    const text = await this.redis.get(KEYS.session(key));
    if (!text) return undefined;
    const session = JSON.parse(text) as Session;
    return Date.parse(session.expiresAt) > Date.now() ? session : undefined;
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(KEYS.session(key));
  }
}
