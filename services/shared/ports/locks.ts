import type { LockClaim } from '../../core/plan/types.js';

/**
 * Named locks (capacity 1) and pools (capacity n) shared by every executor: a stage takes
 * what its steps and environment claim before it runs, and releases it when it ends.
 *
 * Caller: the executor's runtime, once per stage that claims anything: `acquire`, then the
 * release function it resolves to, exactly once, in a `finally`. Claims are taken in name
 * order, so two builds needing the same locks never hold one each and wait forever. Waiters
 * are served oldest first. Must tolerate: an owner acquiring what it already holds (a build
 * re-run after a crash); a holder that dies without releasing (its hold expires); a waiter
 * whose `signal` aborts (it leaves the queue at once and its acquire resolves to a no-op
 * release, holding nothing).
 */
export interface Locks {
  /**
   * Waits until every claim is held by `owner`; `onWaiting` is called if it must wait, with
   * who holds what and how many wait before it, and again each time that changes (never twice
   * with the same words in a row). Returns the release function.
   */
  acquire(
    claims: readonly LockClaim[],
    owner: string,
    onWaiting: (why: string) => Promise<void>,
    signal: AbortSignal,
  ): Promise<() => Promise<void>>;
}
