import { describe, expect, it } from '@jest/globals';
import type { ArtifactStore } from '../../../services/shared/ports/artifact-store.js';
import { uniqueId } from './fixtures.js';

/** What every ArtifactStore must do. `make` gives a writer and a reader (another instance, where there can be one). */
export function describeArtifactStoreConformance(
  name: string,
  make: () => Promise<{ writer: ArtifactStore; reader: ArtifactStore }>,
): void {
  describe(`${name}: ArtifactStore`, () => {
    it("keeps a step's files for another reader, listed by path with size, step and stage", async () => {
      const { writer, reader } = await make();
      const build = uniqueId('b');
      expect(await reader.list(build)).toEqual([]);
      const binary = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
      await writer.put(
        build,
        { step: 'build', stage: 'test' },
        [
          { path: 'dist/app.bin', bytes: binary },
          { path: 'coverage/lcov.info', bytes: Buffer.from('TN:\n') },
        ],
        '2026-12-01T10:00:00.000Z',
      );
      expect(await reader.list(build)).toEqual([
        { path: 'coverage/lcov.info', size: 4, step: 'build', stage: 'test', createdAt: '2026-12-01T10:00:00.000Z' },
        { path: 'dist/app.bin', size: 7, step: 'build', stage: 'test', createdAt: '2026-12-01T10:00:00.000Z' },
      ]);
      expect(await reader.read(build, 'dist/app.bin')).toEqual(binary);
      expect(await reader.read(build, 'dist/missing')).toBeUndefined();
      expect(await reader.read(uniqueId('b'), 'dist/app.bin')).toBeUndefined();
    });

    it("replaces a path kept again (a step run after a restart), keeps the other steps' files", async () => {
      const { writer, reader } = await make();
      const build = uniqueId('b');
      const at = '2026-12-01T10:00:00.000Z';
      await Promise.all([
        writer.put(build, { step: 'a', stage: 'test' }, [{ path: 'a.txt', bytes: Buffer.from('one') }], at),
        writer.put(build, { step: 'b', stage: 'test' }, [{ path: 'b.txt', bytes: Buffer.from('bee') }], at),
      ]);
      await writer.put(build, { step: 'a', stage: 'test' }, [{ path: 'a.txt', bytes: Buffer.from('second') }], at);
      expect((await reader.list(build)).map((e) => [e.path, e.size, e.step])).toEqual([
        ['a.txt', 6, 'a'],
        ['b.txt', 3, 'b'],
      ]);
      expect((await reader.read(build, 'a.txt'))?.toString()).toBe('second');
    });

    it('serves nothing outside what was kept, whatever the path says', async () => {
      const { writer, reader } = await make();
      const build = uniqueId('b');
      await writer.put(
        build,
        { step: 'a', stage: 'test' },
        [{ path: 'x/y.txt', bytes: Buffer.from('y') }],
        '2026-12-01T10:00:00.000Z',
      );
      for (const path of ['../index.json', 'x/../../index.json', '/etc/passwd', 'index.json', 'x'])
        expect(await reader.read(build, path)).toBeUndefined();
      expect(await reader.list('../..')).toEqual([]);
    });

    it('expires the builds whose newest file is older than the retention, and only those', async () => {
      const { writer, reader } = await make();
      const old = uniqueId('b');
      const recent = uniqueId('b');
      await writer.put(
        old,
        { step: 'a', stage: 'test' },
        [{ path: 'a', bytes: Buffer.from('a') }],
        '2000-01-01T00:00:00.000Z',
      );
      await writer.put(
        recent,
        { step: 'a', stage: 'test' },
        [{ path: 'a', bytes: Buffer.from('a') }],
        '2000-01-01T00:00:00.000Z',
      );
      await writer.put(
        recent,
        { step: 'b', stage: 'deploy' },
        [{ path: 'b', bytes: Buffer.from('b') }],
        '2000-01-03T00:00:00.000Z',
      );
      const gone = await writer.expire('2000-01-02T00:00:00.000Z');
      expect(gone).toContain(old);
      expect(gone).not.toContain(recent);
      expect(await reader.list(old)).toEqual([]);
      expect(await reader.read(old, 'a')).toBeUndefined();
      expect((await reader.list(recent)).map((e) => e.path)).toEqual(['a', 'b']);
    });
  });
}
