import type { Redis } from 'ioredis';
import type { QueuedPull } from '../../core/merge-queue/types.js';
import type { MergeQueue, Promotion } from '../ports/merge-queue.js';
import { KEYS, TTL } from './keys.js';

/**
 * Adds a pull request's entry once (KEYS[1] the repository's entries hash) and then to the
 * end of its base's queue (KEYS[2], scored by the counter KEYS[3]); answers 1 and the entry,
 * or 0 and the entry already there.
 */
const ENQUEUE = `
local earlier = redis.call('HGET', KEYS[1], ARGV[1])
if earlier then return {0, earlier} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[1])
return {1, ARGV[2]}
`;

/** Merge queues in Redis: a sorted set of pull request numbers per base, their entries in a hash per repository. */
export class RedisMergeQueue implements MergeQueue {
  constructor(private readonly redis: Redis) {}

  async enqueue(entry: QueuedPull): Promise<{ index: number; added: boolean; entry: QueuedPull }> {
    const [added, text] = (await this.redis.eval(
      ENQUEUE,
      3,
      KEYS.mergeEntries(entry.repo),
      KEYS.mergeQueue(entry.repo, entry.base),
      KEYS.mergeSeq,
      String(entry.number),
      JSON.stringify(entry),
    )) as [number, string];
    const kept = JSON.parse(text) as QueuedPull;
    const index = await this.redis.zrank(KEYS.mergeQueue(kept.repo, kept.base), String(kept.number));
    return { index: index ?? -1, added: added === 1, entry: kept };
  }

  async remove(repo: string, number: number): Promise<QueuedPull | undefined> {
    const entry = await this.find(repo, number);
    if (!entry) return undefined;
    await this.redis
      .multi()
      .hdel(KEYS.mergeEntries(repo), String(number))
      .zrem(KEYS.mergeQueue(repo, entry.base), String(number))
      .exec();
    return entry;
  }

  async update(entry: QueuedPull): Promise<void> {
    const earlier = await this.find(entry.repo, entry.number);
    if (!earlier) return;
    await this.redis.hset(
      KEYS.mergeEntries(entry.repo),
      String(entry.number),
      JSON.stringify({ ...entry, base: earlier.base }),
    );
  }

  async list(repo: string, base: string): Promise<QueuedPull[]> {
    const numbers = await this.redis.zrange(KEYS.mergeQueue(repo, base), '0', '-1');
    if (numbers.length === 0) return [];
    const texts = await this.redis.hmget(KEYS.mergeEntries(repo), ...numbers);
    return texts.filter((t): t is string => t !== null).map((t) => JSON.parse(t) as QueuedPull);
  }

  async queued(repo: string): Promise<QueuedPull[]> {
    return (await this.redis.hvals(KEYS.mergeEntries(repo))).map((t) => JSON.parse(t) as QueuedPull);
  }

  async find(repo: string, number: number): Promise<QueuedPull | undefined> {
    const text = await this.redis.hget(KEYS.mergeEntries(repo), String(number));
    return text ? (JSON.parse(text) as QueuedPull) : undefined;
  }

  async recordPromotion(promotion: Promotion): Promise<void> {
    const key = KEYS.promotion(promotion.repo, promotion.sha, promotion.environment);
    await this.redis.set(key, JSON.stringify(promotion), 'EX', TTL.promotion);
  }

  async promotionOf(repo: string, sha: string, environment: string): Promise<Promotion | undefined> {
    const text = await this.redis.get(KEYS.promotion(repo, sha, environment));
    return text ? (JSON.parse(text) as Promotion) : undefined;
  }
}
