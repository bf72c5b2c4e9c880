import { describe, expect, it } from '@jest/globals';
import type { Locks } from '../../../services/shared/ports/locks.js';
import { eventually } from '../eventually.js';
import { uniqueId } from './fixtures.js';

/** One owner's acquire, watched: whether it waited, what it was told, and when it got in. */
interface Attempt {
  owner: string;
  told: string[];
  granted: boolean;
  release: () => Promise<void>;
  abort: AbortController;
  done: Promise<void>;
}

/**
 * What every Locks must do. `make` gives one Locks per executor process; for a shared
 * store, each call is another client of the same locks.
 */
export function describeLocksConformance(
  name: string,
  make: () => Promise<Locks>,
  /**
   * For stores shared between processes: a Locks of its own, and a way to make it stop as
   * its process would if it died (nothing more is sent, nothing released).
   */
  dying?: () => Promise<{ locks: Locks; die: () => Promise<void> }>,
): void {
  describe(`${name}: Locks`, () => {
    const order: string[] = [];
    function attempt(locks: Locks, claims: Array<{ name: string; capacity: number }>, owner: string): Attempt {
      const a: Attempt = {
        owner,
        told: [],
        granted: false,
        release: async () => undefined,
        abort: new AbortController(),
        done: Promise.resolve(),
      };
      a.done = locks
        .acquire(claims, owner, async (why) => void a.told.push(why), a.abort.signal)
        .then((release) => {
          a.release = release;
          if (!a.abort.signal.aborted) {
            a.granted = true;
            order.push(owner);
          }
        });
      return a;
    }
    const waiting = (a: Attempt) => eventually(`${a.owner} to wait`, () => (a.told.length > 0 ? true : undefined));

    it('gives a pool no more holders than its capacity, and tells a waiter who holds it', async () => {
      const pool = { name: uniqueId('pool-'), capacity: 2 };
      const [a, b, c] = [uniqueId('a'), uniqueId('b'), uniqueId('c')];
      const first = attempt(await make(), [pool], a);
      const second = attempt(await make(), [pool], b);
      await Promise.all([first.done, second.done]);
      expect([first.granted, second.granted]).toEqual([true, true]);
      const third = attempt(await make(), [pool], c);
      await waiting(third);
      expect(third.granted).toBe(false);
      expect(third.told).toHaveLength(1);
      expect(third.told[0]).toMatch(new RegExp(`^for a slot of pool "${pool.name}" \\(2 slots\\), held by `));
      expect(third.told[0]).toContain(a);
      expect(third.told[0]).toContain(b);
      await second.release();
      await third.done;
      expect(third.granted).toBe(true);
      await first.release();
      await third.release();
    });

    it('lets the oldest of three waiters in first, each when the one before releases', async () => {
      const lock = { name: uniqueId('lock-'), capacity: 1 };
      const owners = [uniqueId('h'), uniqueId('w1'), uniqueId('w2'), uniqueId('w3')];
      const holder = attempt(await make(), [lock], owners[0]!);
      await holder.done;
      const waiters: Attempt[] = [];
      const ahead = ['', ', 1 ahead', ', 2 ahead'];
      for (const [i, owner] of owners.slice(1).entries()) {
        const w = attempt(await make(), [lock], owner);
        await waiting(w);
        expect(w.told).toEqual([`for lock "${lock.name}", held by ${owners[0]}${ahead[i]}`]);
        waiters.push(w);
      }
      order.length = 0;
      await holder.release();
      await waiters[0]!.done;
      expect(waiters.map((w) => w.granted)).toEqual([true, false, false]);
      // Each waiter left is told it moved up, and who holds the lock now.
      const last = (w: Attempt) => w.told.at(-1);
      await eventually('the waiters to be told they moved up', () =>
        last(waiters[2]!) === `for lock "${lock.name}", held by ${owners[1]}, 1 ahead` ? true : undefined,
      );
      expect(last(waiters[1]!)).toBe(`for lock "${lock.name}", held by ${owners[1]}`);
      await waiters[0]!.release();
      await waiters[1]!.done;
      expect(waiters.map((w) => w.granted)).toEqual([true, true, false]);
      await waiters[1]!.release();
      await waiters[2]!.done;
      expect(order).toEqual(owners.slice(1));
      await waiters[2]!.release();
    });

    it('takes a waiter that gives up out of the queue: it holds nothing and the next in line gets in', async () => {
      const lock = { name: uniqueId('lock-'), capacity: 1 };
      const [h, quitter, next] = [uniqueId('h'), uniqueId('q'), uniqueId('n')];
      const holder = attempt(await make(), [lock], h);
      await holder.done;
      const gives = attempt(await make(), [lock], quitter);
      await waiting(gives);
      const patient = attempt(await make(), [lock], next);
      await waiting(patient);
      gives.abort.abort('cancelled');
      await gives.done;
      expect(gives.granted).toBe(false);
      await holder.release();
      await patient.done;
      expect(patient.granted).toBe(true);
      // The quitter's release is a no-op: it must not free what the next holder holds.
      await gives.release();
      const after = attempt(await make(), [lock], uniqueId('later'));
      await waiting(after);
      expect(after.told[0]).toContain(next);
      await patient.release();
      await after.done;
      expect(after.granted).toBe(true);
      await after.release();
    });

    // Only where a waiter can die apart from the others (memory's die with their process).
    if (dying)
      it('drops a waiter whose process died: the waiters behind it are not wedged', async () => {
        const lock = { name: uniqueId('lock-'), capacity: 1 };
        const [h, dead, next, last] = [uniqueId('h'), uniqueId('dead'), uniqueId('n'), uniqueId('l')];
        const holder = attempt(await make(), [lock], h);
        await holder.done;
        const doomed = await dying!();
        const lost = attempt(doomed.locks, [lock], dead);
        lost.done.catch(() => undefined);
        await waiting(lost);
        const patient = attempt(await make(), [lock], next);
        await waiting(patient);
        const later = attempt(await make(), [lock], last);
        await waiting(later);
        await doomed.die();
        await holder.release();
        await patient.done;
        expect(patient.granted).toBe(true);
        expect(later.granted).toBe(false);
        await patient.release();
        await later.done;
        expect(later.granted).toBe(true);
        await later.release();
      });

    it('grants an owner what it holds again at once (a build run again), and several claims together', async () => {
      const locks = await make();
      const [x, y] = [uniqueId('x-'), uniqueId('y-')];
      const owner = uniqueId('o');
      const claims = [
        { name: y, capacity: 1 },
        { name: x, capacity: 1 },
        { name: y, capacity: 1 },
      ];
      const first = attempt(locks, claims, owner);
      await first.done;
      const again = attempt(await make(), claims, owner);
      await again.done;
      expect([first.granted, again.granted, again.told]).toEqual([true, true, []]);
      const other = attempt(await make(), [{ name: x, capacity: 1 }], uniqueId('other'));
      await waiting(other);
      await again.release();
      await first.release();
      await other.done;
      expect(other.granted).toBe(true);
      await other.release();
    });
  });
}
