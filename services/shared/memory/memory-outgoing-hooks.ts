import {
  KEPT_DELIVERIES,
  type HookDelivery,
  type HookSubscription,
  type OutgoingHooks,
} from '../ports/outgoing-hooks.js';

/** Outgoing webhooks in this process's memory: unit tests and `slipway run`. */
export class MemoryOutgoingHooks implements OutgoingHooks {
  private readonly subs = new Map<string, HookSubscription>();
  private readonly kept = new Map<string, HookDelivery[]>();
  private position: string | undefined;

  async add(sub: HookSubscription): Promise<void> {
    this.subs.set(sub.id, structuredClone(sub));
  }

  async get(id: string): Promise<HookSubscription | undefined> {
    const sub = this.subs.get(id);
    return sub && structuredClone(sub);
  }

  async list(): Promise<HookSubscription[]> {
    return [...this.subs.values()]
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map((s) => structuredClone(s));
  }

  async remove(id: string): Promise<boolean> {
    this.kept.delete(id);
    return this.subs.delete(id);
  }

  async record(delivery: HookDelivery): Promise<void> {
    const list = this.kept.get(delivery.subscriptionId) ?? [];
    list.unshift(structuredClone(delivery));
    this.kept.set(delivery.subscriptionId, list.slice(0, KEPT_DELIVERIES));
  }

  async deliveries(subscriptionId: string, limit: number): Promise<HookDelivery[]> {
    return (this.kept.get(subscriptionId) ?? []).slice(0, limit).map((d) => structuredClone(d));
  }

  async cursor(): Promise<string | undefined> {
    return this.position;
  }

  async setCursor(eventId: string): Promise<void> {
    this.position = eventId;
  }
}
