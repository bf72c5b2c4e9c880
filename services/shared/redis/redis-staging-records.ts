import type { Redis } from 'ioredis';
import type { RepoRef } from '../../core/builds/types.js';
import type { StagingRecords } from '../ports/staging-records.js';
import { KEYS, TTL } from './keys.js';

/** Commits verified on staging, in Redis (kept half a year: promotions come later than builds). */
export class RedisStagingRecords implements StagingRecords {
  constructor(private readonly redis: Redis) {}

  async markVerified(repo: RepoRef, sha: string, buildId: string): Promise<void> {
    await this.redis.set(KEYS.stagingVerified(`${repo.owner}/${repo.name}`, sha), buildId, 'EX', TTL.stagingVerified);
  }

  async verifiedBy(repo: RepoRef, sha: string): Promise<string | undefined> {
    return (await this.redis.get(KEYS.stagingVerified(`${repo.owner}/${repo.name}`, sha))) ?? undefined;
  }
}
