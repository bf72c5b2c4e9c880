import type { Redis } from 'ioredis';
import {
  KEPT_DELIVERIES,
  type HookDelivery,
  type HookSubscription,
  type OutgoingHooks,
} from '../ports/outgoing-hooks.js';
import { KEYS } from './keys.js';

/** Outgoing webhooks in Redis: a hash of subscriptions, a capped list of deliveries each, the dispatcher's cursor. */
export class RedisOutgoingHooks implements OutgoingHooks {
  constructor(private readonly redis: Redis) {}

  async add(sub: HookSubscription): Promise<void> {
    await this.redis.hset(KEYS.hooks, sub.id, JSON.stringify(sub));
  }

  async get(id: string): Promise<HookSubscription | undefined> {
    const text = await this.redis.hget(KEYS.hooks, id);
    return text ? (JSON.parse(text) as HookSubscription) : undefined;
  }

  async list(): Promise<HookSubscription[]> {
    const all = Object.values(await this.redis.hgetall(KEYS.hooks)).map((t) => JSON.parse(t) as HookSubscription);
    return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async remove(id: string): Promise<boolean> {
    const [[, removed] = []] =
      (await this.redis.multi().hdel(KEYS.hooks, id).del(KEYS.hookDeliveries(id)).exec()) ?? [];
    return removed === 1;
  }

  async record(delivery: HookDelivery): Promise<void> {
    const key = KEYS.hookDeliveries(delivery.subscriptionId);
    await this.redis
      .multi()
      .lpush(key, JSON.stringify(delivery))
      .ltrim(key, 0, KEPT_DELIVERIES - 1)
      .exec();
  }

  async deliveries(subscriptionId: string, limit: number): Promise<HookDelivery[]> {
    const texts = await this.redis.lrange(KEYS.hookDeliveries(subscriptionId), 0, limit - 1);
    return texts.map((t) => JSON.parse(t) as HookDelivery);
  }

  async cursor(): Promise<string | undefined> {
    return (await this.redis.get(KEYS.hookCursor)) ?? undefined;
  }

  async setCursor(eventId: string): Promise<void> {
    await this.redis.set(KEYS.hookCursor, eventId);
  }
}
