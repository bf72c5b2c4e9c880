import type { Redis } from 'ioredis';
import type { ParkedDeploy } from '../core/approval/approval.js';

const TTL = 90 * 24 * 3600;
const key = (buildId: string) => `slipway:approval:${buildId}`;
const waitingKey = (repo: string, sha: string) => `slipway:approval-for:${repo}:${sha}`;

export type { ParkedDeploy } from '../core/approval/approval.js';

/** Approvals in Redis: written by the executor when a deploy parks, then by the approver. */
export class ApprovalStore {
  constructor(private readonly redis: Redis) {}

  async park(parked: ParkedDeploy): Promise<void> {
    const { repo, sha } = parked.plan.request;
    await this.redis
      .multi()
      .set(key(parked.request.buildId), JSON.stringify(parked), 'EX', TTL, 'NX')
      .set(waitingKey(`${repo.owner}/${repo.name}`, sha), parked.request.buildId, 'EX', TTL)
      .exec();
  }

  async get(buildId: string): Promise<ParkedDeploy | undefined> {
    const text = await this.redis.get(key(buildId));
    return text ? (JSON.parse(text) as ParkedDeploy) : undefined;
  }

  async put(parked: ParkedDeploy): Promise<void> {
    await this.redis.set(key(parked.request.buildId), JSON.stringify(parked), 'EX', TTL);
  }

  /** The build whose deploy of this commit waits for an approval, if one does. */
  async buildFor(repo: string, sha: string): Promise<string | undefined> {
    return (await this.redis.get(waitingKey(repo, sha))) ?? undefined;
  }
}
