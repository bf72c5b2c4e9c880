import { describe, expect, it } from '@jest/globals';
import type { LogLine } from '../../../services/core/builds/log-line.js';
import type { LogStore, LogUpdate } from '../../../services/shared/ports/log-store.js';
import { eventually } from '../eventually.js';
import { lines, uniqueId } from './fixtures.js';

/**
 * What every LogStore must do. `make` gives a writer and a reader: for a shared store two
 * clients of it (as the executor and the receiver are), for a memory store the same one.
 */
export function describeLogStoreConformance(
  name: string,
  make: () => Promise<{ writer: LogStore; reader: LogStore }>,
): void {
  describe(`${name}: LogStore`, () => {
    /** Follows a step, collecting what the follower is given. */
    async function follower(store: LogStore, buildId: string, step: string) {
      const given: LogLine[] = [];
      const updates: LogUpdate[] = [];
      const stop = await store.follow(buildId, step, (update) => {
        updates.push(update);
        given.push(...update.lines);
      });
      const texts = () => given.map((l) => l.text);
      const done = () => updates.some((u) => u.done);
      return { given, updates, stop, texts, done };
    }

    it('appends lines in order, and replace puts the complete log in their place', async () => {
      const { writer, reader } = await make();
      const build = uniqueId('b');
      await writer.append(build, 'unit', lines('one', 'two'));
      await writer.append(build, 'unit', []);
      await writer.append(build, 'unit', lines('three'));
      expect((await reader.read(build, 'unit')).map((l) => l.text)).toEqual(['one', 'two', 'three']);
      expect(await reader.read(build, 'other')).toEqual([]);
      await writer.replace(build, 'unit', lines('complete'));
      expect(await reader.read(build, 'unit')).toEqual(lines('complete'));
      await writer.replace(build, 'never-appended', lines('a', 'b'));
      expect(await reader.read(build, 'never-appended')).toEqual(lines('a', 'b'));
      await writer.replace(build, 'emptied', []);
      expect(await reader.read(build, 'emptied')).toEqual([]);
    });

    it('gives a follower the stored lines at once, then exactly the lines it had not seen, then the end', async () => {
      const { writer, reader } = await make();
      const build = uniqueId('b');
      await writer.append(build, 'unit', lines('$ make', 'compiling'));
      const f = await follower(reader, build, 'unit');
      expect(f.texts()).toEqual(['$ make', 'compiling']);
      await writer.append(build, 'unit', lines('linking'));
      await eventually('the appended line', () => (f.given.length === 3 ? true : undefined), 10_000);
      // The complete log read after the step: what was followed, and a tail the live stream missed.
      await writer.replace(build, 'unit', lines('$ make', 'compiling', 'linking', 'done', 'exit 0'));
      await eventually('the end', () => (f.done() ? true : undefined), 10_000);
      expect(f.texts()).toEqual(['$ make', 'compiling', 'linking', 'done', 'exit 0']);
      expect(f.updates.at(-1)).toEqual({
        lines: lines('$ make', 'compiling', 'linking', 'done', 'exit 0').slice(3),
        done: true,
      });
      f.stop();
    });

    it('serves many followers of one step, each its own lines, and stops giving to one that stopped', async () => {
      const { writer, reader } = await make();
      const build = uniqueId('b');
      const early = await follower(reader, build, 'e2e');
      const other = await follower(reader, build, 'unit');
      await writer.append(build, 'e2e', lines('a'));
      const late = await follower(reader, build, 'e2e');
      await writer.append(build, 'e2e', lines('a', 'b').slice(1));
      await eventually('both followers to have both lines', () =>
        early.given.length === 2 && late.given.length === 2 ? true : undefined,
      );
      early.stop();
      await writer.replace(build, 'e2e', lines('a', 'b', 'c'));
      await eventually('the late follower to see the end', () => (late.done() ? true : undefined), 10_000);
      expect(late.texts()).toEqual(['a', 'b', 'c']);
      expect(early.texts()).toEqual(['a', 'b']);
      expect(early.done()).toBe(false);
      expect(other.given).toEqual([]);
      late.stop();
      other.stop();
    });
  });
}
