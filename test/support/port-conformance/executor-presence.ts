import { describe, expect, it } from '@jest/globals';
import type { ExecutorPresence, ExecutorReport } from '../../../services/shared/ports/executor-presence.js';
import { eventually } from '../eventually.js';
import { uniqueId } from './fixtures.js';

function report(id: string, builds: string[] = []): ExecutorReport {
  return {
    id,
    hostname: 'node-1',
    concurrency: 4,
    builds,
    nodes: [
      {
        id: 'n1',
        hostname: 'node-1',
        role: 'manager',
        state: 'ready',
        availability: 'active',
        labels: { pool: 'gpu' },
      },
    ],
    seenAt: new Date().toISOString(),
  };
}

/**
 * What every ExecutorPresence must do. `make` gives two views of one store (two processes:
 * an executor that reports, a receiver that lists).
 */
export function describeExecutorPresenceConformance(
  name: string,
  make: () => Promise<{ executor: ExecutorPresence; reader: ExecutorPresence }>,
): void {
  describe(`${name}: ExecutorPresence`, () => {
    it('lists the last report of each executor, by id, as it was reported', async () => {
      const { executor, reader } = await make();
      const a = uniqueId('a-');
      const b = uniqueId('b-');
      const last = report(a, ['build-2', 'build-3']);
      await executor.report(report(b, ['build-1']), 60_000);
      await executor.report(report(a, ['build-2']), 60_000);
      await executor.report(last, 60_000);
      const listed = (await reader.list()).filter((r) => r.id === a || r.id === b);
      expect(listed.map((r) => r.id)).toEqual([a, b]);
      expect(listed[0]).toEqual(last);
      expect(listed[1]!.builds).toEqual(['build-1']);
    });

    it('drops an executor that leaves at once, and one that stops reporting once its time is up', async () => {
      const { executor, reader } = await make();
      const leaving = uniqueId('leaving-');
      const silent = uniqueId('silent-');
      const alive = uniqueId('alive-');
      await executor.report(report(leaving), 60_000);
      await executor.report(report(silent), 200);
      await executor.report(report(alive), 60_000);
      await executor.leave(leaving);
      expect((await reader.list()).map((r) => r.id)).not.toContain(leaving);
      await eventually(
        'the silent executor to drop out',
        async () => ((await reader.list()).some((r) => r.id === silent) ? undefined : true),
        5_000,
      );
      expect((await reader.list()).map((r) => r.id)).toContain(alive);
    });
  });
}
