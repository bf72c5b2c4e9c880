import type { Redis } from 'ioredis';
import type { ParkedDeploy } from '../../core/approval/approval.js';
import type { Approvals } from '../ports/approvals.js';
import { KEYS, TTL } from './keys.js';

/** Parked deploys in Redis: written by the executor when a deploy parks, then by the approver. */
export class RedisApprovals implements Approvals {
  constructor(private readonly redis: Redis) {}

  async park(parked: ParkedDeploy): Promise<void> {
    const { repo, sha } = parked.plan.request;
    await this.redis
      .multi()
      .set(KEYS.approval(parked.request.buildId), JSON.stringify(parked), 'EX', TTL.approval, 'NX')
      .set(KEYS.approvalFor(`${repo.owner}/${repo.name}`, sha), parked.request.buildId, 'EX', TTL.approval)
      .exec();
    // The stored request decides (a second park keeps the first): pending once parked, unless decided before.
    const stored = await this.get(parked.request.buildId);
    if (stored) await this.index(stored);
  }

  async get(buildId: string): Promise<ParkedDeploy | undefined> {
    const text = await this.redis.get(KEYS.approval(buildId));
    return text ? (JSON.parse(text) as ParkedDeploy) : undefined;
  }

  async put(parked: ParkedDeploy): Promise<void> {
    await this.redis.set(KEYS.approval(parked.request.buildId), JSON.stringify(parked), 'EX', TTL.approval);
    await this.index(parked);
  }

  async waiting(): Promise<number> {
    return this.redis.scard(KEYS.approvalsPending);
  }

  private async index(parked: ParkedDeploy): Promise<void> {
    const id = parked.request.buildId;
    if (parked.request.state === 'pending') await this.redis.sadd(KEYS.approvalsPending, id);
    else await this.redis.srem(KEYS.approvalsPending, id);
  }

  async buildFor(repo: string, sha: string): Promise<string | undefined> {
    return (await this.redis.get(KEYS.approvalFor(repo, sha))) ?? undefined;
  }
}
