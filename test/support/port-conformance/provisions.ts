import { describe, expect, it } from '@jest/globals';
import type { Provisions, ProvisionRecord } from '../../../services/shared/ports/provisions.js';
import { eventually } from '../eventually.js';
import { uniqueId } from './fixtures.js';

const record = (id: string, requestedAt = '2026-12-02T06:00:00.000Z'): ProvisionRecord => ({
  id,
  provisioner: 'local',
  labels: { pool: 'gpu' },
  reason: { service: `slw-${id}`, buildId: 'b0123456789a', step: 'test', wanted: { pool: 'gpu' } },
  state: 'starting',
  tokenHash: 'ab'.repeat(32),
  requestedAt,
});

/**
 * What every Provisions must do. `make` gives several handles on one store (several processes
 * on one Redis; the same object in memory).
 */
export function describeProvisionsConformance(name: string, make: () => Promise<Provisions[]>): void {
  describe(`${name}: Provisions`, () => {
    it('lets one create of a request win among replicas racing, and keeps the first record', async () => {
      const handles = await make();
      const id = uniqueId('pr');
      const wins = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          handles[i % handles.length]!.create({ ...record(id), machineId: `m${i}` }),
        ),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await handles.at(-1)!.get(id)).toEqual({ ...record(id), machineId: `m${wins.indexOf(true)}` });
      expect(await handles[0]!.get(uniqueId('pr'))).toBeUndefined();
    });

    it('keeps each change, and lists the newest request first', async () => {
      const handles = await make();
      const [a, b] = [uniqueId('pr'), uniqueId('pr')];
      await handles[0]!.create(record(a, '2026-12-02T06:00:00.000Z'));
      await handles[0]!.create(record(b, '2026-12-02T07:00:00.000Z'));
      const joined: ProvisionRecord = {
        ...record(a, '2026-12-02T06:00:00.000Z'),
        state: 'joined',
        nodeId: 'n'.repeat(25),
      };
      expect(await handles.at(-1)!.update(a, (r) => ({ ...r, state: 'joined', nodeId: 'n'.repeat(25) }))).toEqual(
        joined,
      );
      expect(await handles[0]!.get(a)).toEqual(joined);
      expect(await handles[0]!.update(a, () => undefined)).toBeUndefined();
      expect(await handles[0]!.get(a)).toEqual(joined);
      expect(await handles[0]!.update(uniqueId('pr'), (r) => r)).toBeUndefined();
      const ids = (await handles[0]!.list()).map((r) => r.id).filter((id) => id === a || id === b);
      expect(ids).toEqual([b, a]);
    });

    it('lists every record of the week, not only the newest hundreds', async () => {
      const handles = await make();
      const prefix = uniqueId('many');
      const oldest = `${prefix}-0`;
      await handles[0]!.create({ ...record(oldest, '2026-12-01T00:00:00.000Z'), state: 'joined' });
      await Promise.all(
        Array.from({ length: 600 }, (_, i) =>
          handles[i % handles.length]!.create(
            record(`${prefix}-${i + 1}`, new Date(Date.UTC(2026, 11, 2, 0, 0, i)).toISOString()),
          ),
        ),
      );
      const ours = (await handles.at(-1)!.list()).filter((r) => r.id.startsWith(`${prefix}-`));
      expect(ours).toHaveLength(601);
      expect(ours.at(-1)).toMatchObject({ id: oldest, state: 'joined' });
    });

    it('loses no change when writers of different fields of one record race', async () => {
      const handles = await make();
      const id = uniqueId('pr');
      await handles[0]!.create(record(id));
      // The callback records the report while the loop records the machine id, and more.
      const changes: Array<(r: ProvisionRecord) => ProvisionRecord> = [
        (r) => ({ ...r, machineId: 'vm-1' }),
        (r) => ({ ...r, report: { nodeId: 'n'.repeat(25), hostname: 'gpu-1' } }),
        (r) => ({ ...r, busyAt: '2026-12-02T06:05:00.000Z' }),
        (r) => ({ ...r, hostname: 'gpu-1' }),
        (r) => ({ ...r, labels: { ...r.labels, zone: 'a' } }),
        (r) => ({ ...r, reason: { ...r.reason, step: 'e2e' } }),
      ];
      await Promise.all(changes.map((change, i) => handles[i % handles.length]!.update(id, change)));
      expect(await handles[0]!.get(id)).toEqual({
        ...record(id),
        machineId: 'vm-1',
        report: { nodeId: 'n'.repeat(25), hostname: 'gpu-1' },
        busyAt: '2026-12-02T06:05:00.000Z',
        hostname: 'gpu-1',
        labels: { pool: 'gpu', zone: 'a' },
        reason: { ...record(id).reason, step: 'e2e' },
      });
    });

    it('keeps which build holds which node until the build releases them', async () => {
      const handles = await make();
      const [b1, b2] = [uniqueId('b'), uniqueId('b')];
      const mine = async () =>
        (await handles[0]!.holds())
          .filter((h) => h.buildId === b1 || h.buildId === b2)
          .sort((x, y) => `${x.buildId}${x.nodeId}`.localeCompare(`${y.buildId}${y.nodeId}`));
      await handles[0]!.holdNode(b1, 'node-a');
      await handles.at(-1)!.holdNode(b1, 'node-b');
      await handles.at(-1)!.holdNode(b1, 'node-b');
      await handles[0]!.holdNode(b2, 'node-a');
      expect(await mine()).toEqual(
        [
          { buildId: b1, nodeId: 'node-a' },
          { buildId: b1, nodeId: 'node-b' },
          { buildId: b2, nodeId: 'node-a' },
        ].sort((x, y) => `${x.buildId}${x.nodeId}`.localeCompare(`${y.buildId}${y.nodeId}`)),
      );
      await handles.at(-1)!.releaseNodes(b1);
      expect(await mine()).toEqual([{ buildId: b2, nodeId: 'node-a' }]);
      await handles[0]!.releaseNodes(b2);
      expect(await mine()).toEqual([]);
    });

    it('lets one holder act: it renews its lease, others wait until it lapses', async () => {
      const handles = await make();
      const results = await Promise.all(handles.map((h, i) => h.lease(`loop-${i}`, 300)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      const other = (winner + 1) % handles.length;
      expect(await handles[winner]!.lease(`loop-${winner}`, 300)).toBe(true);
      expect(await handles[other]!.lease('loop-late', 300)).toBe(false);
      await eventually(
        'the lease to lapse',
        async () => ((await handles[other]!.lease('loop-late', 60_000)) ? true : undefined),
        5_000,
      );
      expect(await handles[winner]!.lease(`loop-${winner}`, 300)).toBe(false);
    });
  });
}
