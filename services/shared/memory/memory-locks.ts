import type { LockClaim } from '../../core/plan/types.js';
import type { Locks } from '../ports/locks.js';
import { uniqueClaims, waitingFor } from '../ports/lock-claims.js';

interface Lock {
  holders: Set<string>;
  /** Waiters, oldest first. */
  queue: string[];
  /** Woken whenever a holder or waiter leaves. */
  changed: Set<() => void>;
}

/**
 * Locks and pools in this process's memory (unit tests, `slipway run`): the same rules as
 * the Redis ones (oldest waiter first, claims in name order), woken on release instead of
 * polling. Holders never expire: a process that dies takes its locks with it.
 */
export class MemoryLocks implements Locks {
  private readonly locks = new Map<string, Lock>();

  async acquire(
    claims: readonly LockClaim[],
    owner: string,
    onWaiting: (why: string) => Promise<void>,
    signal: AbortSignal,
  ): Promise<() => Promise<void>> {
    const unique = uniqueClaims(claims);
    let told = '';
    const release = async () => {
      for (const claim of unique) this.leave(claim.name, owner);
    };
    try {
      for (const claim of unique) {
        const lock = this.lock(claim.name);
        if (!lock.holders.has(owner) && !lock.queue.includes(owner)) lock.queue.push(owner);
        for (;;) {
          if (signal.aborted) {
            await release();
            return async () => undefined;
          }
          if (this.grant(lock, owner, claim.capacity)) break;
          const why = waitingFor(claim, [...lock.holders], Math.max(0, lock.queue.indexOf(owner)));
          if (why !== told) {
            told = why;
            await onWaiting(why);
            continue;
          }
          await this.changeOf(lock, signal);
        }
      }
    } catch (err) {
      await release();
      throw err;
    }
    return release;
  }

  private grant(lock: Lock, owner: string, capacity: number): boolean {
    if (lock.holders.has(owner)) return true;
    const rank = lock.queue.indexOf(owner);
    if (rank < 0 || rank >= capacity - lock.holders.size) return false;
    lock.holders.add(owner);
    lock.queue.splice(rank, 1);
    return true;
  }

  private leave(name: string, owner: string): void {
    const lock = this.lock(name);
    lock.holders.delete(owner);
    lock.queue = lock.queue.filter((waiter) => waiter !== owner);
    for (const wake of [...lock.changed]) wake();
  }

  private changeOf(lock: Lock, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        lock.changed.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      lock.changed.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  private lock(name: string): Lock {
    let lock = this.locks.get(name);
    if (!lock) {
      lock = { holders: new Set(), queue: [], changed: new Set() };
      this.locks.set(name, lock);
    }
    return lock;
  }
}
