import type { BuildEvent, NewBuildEvent } from '../../core/builds/build-event.js';

export type { BuildEvent, BuildEventKind, NewBuildEvent } from '../../core/builds/build-event.js';

/**
 * The feed of build changes (contract A): every change of a build record, as events, in the
 * order they were published. In the State bundle as `state.events`; the bundle's BuildStore
 * publishes on every `create` and `put` (shared/publishing-build-store.ts), so no writer has
 * to remember to.
 *
 * Callers: the build store's wrapper `publish`es; `GET /api/v1/events`, the dashboard's live
 * list and the outgoing webhooks `follow`.
 *
 * Ids are monotonic strings, opaque to callers (a Redis stream id in Redis): what a follower
 * last saw is what it resumes after. Must tolerate: followers on other processes than the
 * publisher; many followers; a follower that resumes after an id that is no longer kept (it
 * gets what is kept after it, oldest first); a publish of nothing. The feed keeps a bounded
 * history (the newest tens of thousands of events), not the record: build records are.
 */
export interface BuildEvents {
  /** Appends events, in order; each gets its id. */
  publish(events: readonly NewBuildEvent[]): Promise<void>;
  /**
   * Events after `afterId` (exclusive; undefined = only those published from now on), oldest
   * first, each once, live as they are published; ends when `signal` aborts.
   */
  follow(afterId: string | undefined, signal: AbortSignal): AsyncIterable<BuildEvent>;
}
