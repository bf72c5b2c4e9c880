import { describe, expect, it } from '@jest/globals';
import type { BuildEvent, BuildEvents, NewBuildEvent } from '../../../services/shared/ports/build-events.js';
import { eventually } from '../eventually.js';
import { buildRecord, uniqueId } from './fixtures.js';
import { buildSummary } from '../../../services/core/builds/build-summary.js';

/** An event of a build, its state changed to `state`. */
export function buildEvent(buildId: string, state: NewBuildEvent['state'] = 'running'): NewBuildEvent {
  const build = buildSummary(buildRecord(buildId, '2024-05-01T10:00:00.000Z', { state: state ?? 'running' }));
  return { kind: 'build', buildId, repo: build.repo, at: '2024-05-01T10:00:01.000Z', state, build };
}

/** Follows in the background, keeping what comes; `stop` ends the follow. */
function collect(events: BuildEvents, afterId: string | undefined) {
  const got: BuildEvent[] = [];
  const abort = new AbortController();
  const done = (async () => {
    for await (const event of events.follow(afterId, abort.signal)) got.push(event);
  })();
  return { got, stop: async () => (abort.abort(), await done) };
}

/**
 * What every BuildEvents must do. `make` gives a publisher and a follower (two processes of
 * one Redis, or one store in memory).
 */
export function describeBuildEventsConformance(
  name: string,
  make: () => Promise<{ publisher: BuildEvents; follower: BuildEvents }>,
): void {
  describe(`${name}: BuildEvents`, () => {
    it('gives a follower every event published after it started, oldest first, each once, ids rising', async () => {
      const { publisher, follower } = await make();
      await publisher.publish([buildEvent(uniqueId('before'))]);
      const follow = collect(follower, undefined);
      // Attaching is asynchronous: publish markers until the follower sees one, then the real ones.
      const marker = uniqueId('marker');
      await eventually('the follower to attach', async () => {
        await publisher.publish([buildEvent(marker)]);
        return follow.got.length > 0 ? true : undefined;
      });
      const ids = [uniqueId('a'), uniqueId('b'), uniqueId('c')];
      await publisher.publish([buildEvent(ids[0]!, 'running'), buildEvent(ids[1]!, 'failure')]);
      await publisher.publish([]);
      await publisher.publish([buildEvent(ids[2]!, 'success')]);
      await eventually('three events', () => (follow.got.some((e) => e.buildId === ids[2]) ? true : undefined));
      await follow.stop();
      const real = follow.got.filter((e) => e.buildId !== marker);
      expect(real.map((e) => [e.buildId, e.state])).toEqual([
        [ids[0], 'running'],
        [ids[1], 'failure'],
        [ids[2], 'success'],
      ]);
      expect(follow.got.every((e) => !e.buildId.startsWith('before'))).toBe(true);
      expect(real[0]).toMatchObject({ kind: 'build', repo: 'acme/api', build: { id: ids[0], repo: 'acme/api' } });
      const seen = follow.got.map((e) => e.id);
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('resumes after an id: the events after it, none before, none twice', async () => {
      const { publisher, follower } = await make();
      const build = uniqueId('r');
      const states = ['queued', 'running', 'failure'] as const;
      for (const state of states) await publisher.publish([buildEvent(build, state)]);
      const first = collect(follower, '0-0');
      await eventually('all three', () =>
        first.got.filter((e) => e.buildId === build).length === 3 ? true : undefined,
      );
      await first.stop();
      const mine = first.got.filter((e) => e.buildId === build);
      expect(mine.map((e) => e.state)).toEqual([...states]);

      const resumed = collect(follower, mine[0]!.id);
      const later = uniqueId('later');
      await publisher.publish([buildEvent(later, 'success')]);
      await eventually('the later one', () => (resumed.got.some((e) => e.buildId === later) ? true : undefined));
      await resumed.stop();
      expect(resumed.got.filter((e) => e.buildId === build || e.buildId === later).map((e) => e.state)).toEqual([
        'running',
        'failure',
        'success',
      ]);
    });

    it('serves many followers at once, and ends a follow when its signal aborts', async () => {
      const { publisher, follower } = await make();
      const start = uniqueId('s');
      await publisher.publish([buildEvent(start)]);
      const everything = collect(follower, '0-0');
      await eventually('the start', () => (everything.got.some((e) => e.buildId === start) ? true : undefined));
      const from = everything.got.find((e) => e.buildId === start)!.id;
      const followers = [1, 2, 3].map(() => collect(follower, from));
      const build = uniqueId('m');
      await publisher.publish([buildEvent(build, 'running'), buildEvent(build, 'success')]);
      for (const f of followers)
        await eventually('each follower', () =>
          f.got.filter((e) => e.buildId === build).length === 2 ? true : undefined,
        );
      for (const f of [...followers, everything]) await f.stop();
      const after = uniqueId('after-stop');
      await publisher.publish([buildEvent(after)]);
      await new Promise((r) => setTimeout(r, 100));
      for (const f of followers) {
        expect(f.got.map((e) => e.buildId)).toEqual([build, build]);
      }
    });

    it('ends at once for a signal aborted before it started', async () => {
      const { follower } = await make();
      const abort = new AbortController();
      abort.abort();
      const got: BuildEvent[] = [];
      for await (const event of follower.follow('0-0', abort.signal)) got.push(event);
      expect(got).toEqual([]);
    });
  });
}
