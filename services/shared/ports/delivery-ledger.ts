/**
 * Which webhook delivery first brought each signed body. GitHub signs the body but not the
 * `X-GitHub-Delivery` id, so a captured body replayed with a new id verifies: the receiver
 * treats a body already seen under another id as a replay.
 *
 * Caller: the webhook route, for every verified delivery, before queueing: `claim(hash, id)`.
 * The first claim of a hash keeps its delivery id for `ttlMs` (GitHub's redelivery window is
 * 3 days). Must tolerate: concurrent claims of one hash (exactly one wins, and every caller is
 * told the same winner); the same delivery claiming again (a redelivery: it is the winner).
 */
export interface DeliveryLedger {
  /** Records `deliveryId` for `bodyHash` unless one is recorded; returns the delivery id recorded. */
  claim(bodyHash: string, deliveryId: string, ttlMs: number): Promise<string>;
}
