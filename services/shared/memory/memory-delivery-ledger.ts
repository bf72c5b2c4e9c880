import type { DeliveryLedger } from '../ports/delivery-ledger.js';

/** Body hashes of deliveries in this process's memory; `now` is the clock expiry is judged by. */
export class MemoryDeliveryLedger implements DeliveryLedger {
  private readonly seen = new Map<string, { deliveryId: string; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async claim(bodyHash: string, deliveryId: string, ttlMs: number): Promise<string> {
    const entry = this.seen.get(bodyHash);
    if (entry && entry.until > this.now()) return entry.deliveryId;
    this.seen.set(bodyHash, { deliveryId, until: this.now() + ttlMs });
    return deliveryId;
  }
}
