import { buildChanges } from '../core/builds/build-changes.js';
import type { BuildRecord } from '../core/builds/record.js';
import type { BuildEvents } from './ports/build-events.js';
import type { BuildStore } from './ports/build-store.js';

/**
 * A BuildStore that publishes the differences of every write as build events (contract A):
 * a created build, then each build, stage and step state change and approval decision. The
 * record is stored first; an event that cannot be published is reported to `onError` and
 * never fails the write (a build must not stop because its feed is down). One writer per
 * build (the BuildStore's rule) makes reading the previous version before a `put` safe.
 */
export function publishingBuildStore(
  store: BuildStore,
  events: BuildEvents,
  onError: (err: unknown, buildId: string) => void,
  now: () => Date = () => new Date(),
): BuildStore {
  const publish = async (before: BuildRecord | undefined, after: BuildRecord) => {
    try {
      const changes = buildChanges(before, after, now().toISOString());
      if (changes.length > 0) await events.publish(changes);
    } catch (err) {
      onError(err, after.id);
    }
  };
  return {
    async create(record) {
      const created = await store.create(record);
      if (created) await publish(undefined, record);
      return created;
    },
    get: (id) => store.get(id),
    recent: (count) => store.recent(count),
    scan: (query) => store.scan(query),
    async put(record) {
      const before = await store.get(record.id);
      await store.put(record);
      await publish(before, record);
    },
  };
}
