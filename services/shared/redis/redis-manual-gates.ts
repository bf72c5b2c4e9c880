import type { Redis } from 'ioredis';
import type { ParkedGate } from '../../core/gate/manual-gate.js';
import type { ManualGates } from '../ports/manual-gates.js';
import { KEYS, TTL } from './keys.js';

/** Held manual test gates in Redis: written by the executor when a stage is held, then by the approver. */
export class RedisManualGates implements ManualGates {
  constructor(private readonly redis: Redis) {}

  async park(parked: ParkedGate): Promise<void> {
    const { repo, sha } = parked.plan.request;
    await this.redis
      .multi()
      .set(KEYS.manualGate(parked.request.buildId), JSON.stringify(parked), 'EX', TTL.manualGate, 'NX')
      .set(KEYS.manualGateFor(`${repo.owner}/${repo.name}`, sha), parked.request.buildId, 'EX', TTL.manualGate)
      .exec();
  }

  async get(buildId: string): Promise<ParkedGate | undefined> {
    const text = await this.redis.get(KEYS.manualGate(buildId));
    return text ? (JSON.parse(text) as ParkedGate) : undefined;
  }

  async put(parked: ParkedGate): Promise<void> {
    await this.redis.set(KEYS.manualGate(parked.request.buildId), JSON.stringify(parked), 'EX', TTL.manualGate);
  }

  async buildFor(repo: string, sha: string): Promise<string | undefined> {
    return (await this.redis.get(KEYS.manualGateFor(repo, sha))) ?? undefined;
  }
}
