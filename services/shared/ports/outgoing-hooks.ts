import type { HookDelivery, HookSubscription } from '../../core/outgoing/hook-subscription.js';

export type { HookDelivery, HookSubscription } from '../../core/outgoing/hook-subscription.js';

/** How many deliveries are kept per subscription. */
export const KEPT_DELIVERIES = 100;

/**
 * Outgoing webhooks: the operator's subscriptions, the last deliveries of each, and where
 * the dispatcher is in the build event feed.
 *
 * Callers: the API (admins) `add`s, `list`s, `remove`s and reads `deliveries`; the dispatcher
 * `list`s and moves its `cursor`; the delivery worker `get`s the subscription and `record`s
 * each attempt. Must tolerate: several processes (each sees every subscription added);
 * `remove` of an unknown id (false); a delivery recorded for a subscription since removed.
 */
export interface OutgoingHooks {
  add(sub: HookSubscription): Promise<void>;
  get(id: string): Promise<HookSubscription | undefined>;
  /** Oldest first. */
  list(): Promise<HookSubscription[]>;
  remove(id: string): Promise<boolean>;
  /** Keeps an attempt; only the newest KEPT_DELIVERIES of a subscription stay. */
  record(delivery: HookDelivery): Promise<void>;
  /** The newest attempts first, at most `limit`. */
  deliveries(subscriptionId: string, limit: number): Promise<HookDelivery[]>;
  /** The id of the last build event the dispatcher handed on; undefined before the first. */
  cursor(): Promise<string | undefined>;
  setCursor(eventId: string): Promise<void>;
}
