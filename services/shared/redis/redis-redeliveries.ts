import type { Redis } from 'ioredis';
import type { Redeliveries, RedeliveryRecord } from '../ports/redeliveries.js';
import { KEYS } from './keys.js';

/** Redeliveries asked for, in Redis: `SET NX PX` on the delivery's key, so one replica wins. */
export class RedisRedeliveries implements Redeliveries {
  constructor(private readonly redis: Redis) {}

  async claim(record: RedeliveryRecord, ttlMs: number): Promise<boolean> {
    const key = KEYS.redelivery(record.hook, record.guid, record.round);
    return (await this.redis.set(key, JSON.stringify(record), 'PX', ttlMs, 'NX')) === 'OK';
  }

  async get(hook: string, guid: string, round: number): Promise<RedeliveryRecord | undefined> {
    const text = await this.redis.get(KEYS.redelivery(hook, guid, round));
    return text === null ? undefined : (JSON.parse(text) as RedeliveryRecord);
  }

  async release(hook: string, guid: string, round: number): Promise<void> {
    await this.redis.del(KEYS.redelivery(hook, guid, round));
  }
}
