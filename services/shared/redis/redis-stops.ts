import type { Redis } from 'ioredis';
import type { RepoRef } from '../../core/builds/types.js';
import type { StopReasons, Stops } from '../ports/stops.js';
import { KEYS, TTL } from './keys.js';
import type { Subscriptions } from './subscriptions.js';

const full = (repo: RepoRef) => `${repo.owner}/${repo.name}`;

/** Stops kept in Redis (an executor that starts a build later still sees them) and announced on one channel. */
export class RedisStops implements Stops {
  constructor(
    private readonly redis: Redis,
    private readonly subscriptions: Subscriptions,
  ) {}

  async cancel(buildId: string, reason: string): Promise<void> {
    await this.redis
      .multi()
      .set(KEYS.cancelled(buildId), reason, 'EX', TTL.stop)
      .publish(KEYS.stopChannel, buildId)
      .exec();
  }

  async cancelLatest(repo: RepoRef, ref: string, reason: string): Promise<string | undefined> {
    const latest = await this.redis.get(KEYS.latest(full(repo), ref));
    if (latest) await this.cancel(latest, reason);
    return latest ?? undefined;
  }

  async supersedeOlder(repo: RepoRef, ref: string, buildId: string, sha: string): Promise<string | undefined> {
    const previous = await this.redis.getset(KEYS.latest(full(repo), ref), buildId);
    if (!previous || previous === buildId) return undefined;
    await this.redis
      .multi()
      .set(KEYS.superseded(previous), `superseded by ${sha.slice(0, 7)}`, 'EX', TTL.stop)
      .publish(KEYS.stopChannel, previous)
      .exec();
    return previous;
  }

  async reasons(buildId: string): Promise<StopReasons> {
    const [cancelled, superseded] = await this.redis.mget(KEYS.cancelled(buildId), KEYS.superseded(buildId));
    return { ...(cancelled ? { cancelled } : {}), ...(superseded ? { superseded } : {}) };
  }

  onStop(listener: (buildId: string) => void): Promise<() => Promise<void>> {
    return this.subscriptions.listen(KEYS.stopChannel, listener);
  }
}
