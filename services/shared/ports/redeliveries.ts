/** What the reconciler asked GitHub to redeliver, and when. */
export interface RedeliveryRecord {
  /** The webhook it came through (`app`, `owner/repo#hookId`): a delivery id is shared by every hook of an event. */
  hook: string;
  /** The event's delivery id (`X-GitHub-Delivery`), the same for every attempt. */
  guid: string;
  /** Which redelivery of this delivery id it is: 0 the first, 1 when that one failed too … */
  round: number;
  /** The attempt redelivered (`POST …/deliveries/{attemptId}/attempts`). */
  attemptId: number;
  event: string;
  /** ISO time the redelivery was claimed. */
  askedAt: string;
  /** Which process asked (`<host>-<pid>`). */
  by: string;
}

/**
 * The webhook deliveries the reconciler asked GitHub to redeliver, so each is asked for once,
 * whichever replica sees it first.
 *
 * Caller: the reconciler (`services/reconciler/`), once per delivery it found without a 2xx:
 * `claim(record, ttlMs)`, and only when it answers true does it ask GitHub; when GitHub could
 * not be asked, `release(hook, guid, round)` lets a later pass try again. `get(hook, guid, round)` says what
 * was asked (for operators and tests). Must tolerate: several replicas claiming the same
 * guid at once (exactly one wins); a claim repeated after a restart (false, the record kept);
 * records expiring after `ttlMs` (longer than GitHub's 3-day window, so a delivery GitHub still
 * lists is never asked for twice).
 */
export interface Redeliveries {
  /** Records `record` unless its hook, guid and round are recorded; true for the one caller that recorded it. */
  claim(record: RedeliveryRecord, ttlMs: number): Promise<boolean>;
  /** The record of a delivery, or undefined when none was asked for (or it expired). */
  get(hook: string, guid: string, round: number): Promise<RedeliveryRecord | undefined>;
  /** Forgets a claim whose redelivery GitHub did not take, so the next pass asks again. */
  release(hook: string, guid: string, round: number): Promise<void>;
}
