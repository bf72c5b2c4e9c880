import type { QueuedPull } from '../../core/merge-queue/types.js';
import type { MergeQueue, Promotion } from '../ports/merge-queue.js';

/** Merge queues in this process's memory. */
export class MemoryMergeQueue implements MergeQueue {
  /** By `repo#number`, in the order queued. */
  private readonly entries = new Map<string, QueuedPull>();
  private readonly promotions = new Map<string, Promotion>();

  async enqueue(entry: QueuedPull): Promise<{ index: number; added: boolean; entry: QueuedPull }> {
    const key = `${entry.repo}#${entry.number}`;
    const earlier = this.entries.get(key);
    if (!earlier) this.entries.set(key, structuredClone(entry));
    const kept = this.entries.get(key)!;
    const index = (await this.list(kept.repo, kept.base)).findIndex((e) => e.number === kept.number);
    return { index, added: !earlier, entry: structuredClone(kept) };
  }

  async remove(repo: string, number: number): Promise<QueuedPull | undefined> {
    const key = `${repo}#${number}`;
    const entry = this.entries.get(key);
    this.entries.delete(key);
    return entry;
  }

  async update(entry: QueuedPull): Promise<void> {
    const key = `${entry.repo}#${entry.number}`;
    const earlier = this.entries.get(key);
    if (earlier) this.entries.set(key, structuredClone({ ...entry, base: earlier.base }));
  }

  async list(repo: string, base: string): Promise<QueuedPull[]> {
    return [...this.entries.values()].filter((e) => e.repo === repo && e.base === base).map((e) => structuredClone(e));
  }

  async queued(repo: string): Promise<QueuedPull[]> {
    return [...this.entries.values()].filter((e) => e.repo === repo).map((e) => structuredClone(e));
  }

  async find(repo: string, number: number): Promise<QueuedPull | undefined> {
    const entry = this.entries.get(`${repo}#${number}`);
    return entry && structuredClone(entry);
  }

  async recordPromotion(promotion: Promotion): Promise<void> {
    this.promotions.set(`${promotion.repo}:${promotion.sha}:${promotion.environment}`, structuredClone(promotion));
  }

  async promotionOf(repo: string, sha: string, environment: string): Promise<Promotion | undefined> {
    const promotion = this.promotions.get(`${repo}:${sha}:${environment}`);
    return promotion && structuredClone(promotion);
  }
}
