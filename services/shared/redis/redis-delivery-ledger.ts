import type { Redis } from 'ioredis';
import type { DeliveryLedger } from '../ports/delivery-ledger.js';
import { KEYS } from './keys.js';

/** SET NX, then GET: whoever set it first is the answer. KEYS: the body's key. ARGV: delivery id, ms. */
const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return ARGV[1] end
return redis.call('GET', KEYS[1])
`;

/** Body hashes of deliveries in Redis, each kept for the window it was claimed for. */
export class RedisDeliveryLedger implements DeliveryLedger {
  constructor(private readonly redis: Redis) {}

  async claim(bodyHash: string, deliveryId: string, ttlMs: number): Promise<string> {
    const winner = await this.redis.eval(CLAIM, 1, KEYS.deliveryOfBody(bodyHash), deliveryId, String(ttlMs));
    return typeof winner === 'string' ? winner : deliveryId;
  }
}
