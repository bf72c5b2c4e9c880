/**
 * One attempt GitHub made to deliver a webhook, as its deliveries API lists it
 * (`GET /app/hook/deliveries`, `GET /repos/{o}/{r}/hooks/{id}/deliveries`). A redelivery is
 * an attempt of its own (a new `id`) with the same `guid`, the `X-GitHub-Delivery` id.
 */
export interface HookDelivery {
  /** The attempt's id, which `POST …/deliveries/{id}/attempts` redelivers. */
  id: number;
  /** The event's delivery id, shared by every attempt. */
  guid: string;
  /** When GitHub made the attempt (ms since the epoch). */
  deliveredAtMs: number;
  /** The HTTP status the receiver answered; 0 when nothing answered (refused, timed out). */
  statusCode: number;
  event: string;
  redelivery: boolean;
}

/** A delivery due again: its newest attempt, and how many redeliveries it already had. */
export interface DueDelivery extends HookDelivery {
  /** Attempts of this delivery id that were redeliveries (0 the first time it is due). */
  round: number;
}

/** GitHub keeps deliveries, and redelivers them, for 3 days. */
export const REDELIVERY_WINDOW_MS = 3 * 24 * 3_600_000;

/**
 * The attempts to redeliver, oldest event first: for each delivery id (`guid`) none of whose
 * attempts got a 2xx, its newest attempt, when that attempt is still inside `windowMs` (a
 * safety margin below GitHub's 3 days), at least `minAgeMs` old (an attempt that just failed
 * may be a receiver restarting; the next pass sees it) and the delivery had fewer than
 * `maxRounds` (5) redeliveries (a redelivery that failed too is asked for again, a few times at
 * most). Its `round` lets the callers claim each redelivery once. Pure: the caller lists,
 * claims and asks GitHub.
 */
export function deliveriesToRedeliver(
  deliveries: readonly HookDelivery[],
  options: { nowMs: number; windowMs?: number; minAgeMs?: number; maxRounds?: number },
): DueDelivery[] {
  const { nowMs, windowMs = REDELIVERY_WINDOW_MS - 3_600_000, minAgeMs = 0, maxRounds = 5 } = options;
  const byGuid = new Map<string, HookDelivery[]>();
  for (const delivery of deliveries) {
    const attempts = byGuid.get(delivery.guid) ?? [];
    attempts.push(delivery);
    byGuid.set(delivery.guid, attempts);
  }
  const due: DueDelivery[] = [];
  for (const attempts of byGuid.values()) {
    if (attempts.some((a) => answeredOk(a.statusCode))) continue;
    const newest = attempts.reduce((a, b) =>
      b.deliveredAtMs > a.deliveredAtMs || (b.deliveredAtMs === a.deliveredAtMs && b.id > a.id) ? b : a,
    );
    const age = nowMs - newest.deliveredAtMs;
    const round = attempts.filter((a) => a.redelivery).length;
    if (age > windowMs || age < minAgeMs || round >= maxRounds) continue;
    due.push({ ...newest, round });
  }
  return due.sort((a, b) => a.deliveredAtMs - b.deliveredAtMs || a.id - b.id);
}

/** Whether listing can stop: GitHub lists newest first, and this attempt is past the window. */
export function pastWindow(delivery: HookDelivery, nowMs: number, windowMs = REDELIVERY_WINDOW_MS): boolean {
  return nowMs - delivery.deliveredAtMs > windowMs;
}

function answeredOk(status: number): boolean {
  return status >= 200 && status < 300;
}
