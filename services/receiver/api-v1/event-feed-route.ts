import type { Context } from 'koa';
import { BUILD_EVENT_KINDS, type BuildEventKind } from '../../core/builds/build-event.js';
import type { BuildEvents } from '../../shared/ports/build-events.js';
import { principalOf, refuse, type RepoAccess } from '../auth/index.js';
import { lastEventId, openSse } from '../sse.js';

/** How long a verdict on a repository holds for one stream (the permission cache has its own). */
const VERDICT_MS = 60_000;

/**
 * `GET /api/v1/events?repo=&build=&kind=`: Server-Sent Events of contract A, each message
 * `id:` the event's id, `event:` its kind, `data:` the event. `Last-Event-ID` (or
 * `?last_event_id=`) resumes after that event, without the ones before; without it only new
 * events come. Only events of repositories the caller may read are sent; a heartbeat comment
 * every 15 s.
 */
export function eventFeedRoute(deps: { events: BuildEvents; access: RepoAccess; heartbeatMs?: number }) {
  return async (ctx: Context): Promise<void> => {
    const one = (name: string) => (typeof ctx.query[name] === 'string' ? (ctx.query[name] as string) : undefined);
    const kinds = (one('kind') ?? '').split(',').filter(Boolean);
    const unknown = kinds.filter((k) => !(BUILD_EVENT_KINDS as readonly string[]).includes(k));
    if (unknown.length) return refuse(ctx, 400, 'bad_request', `no event kind ${unknown.join(', ')}`);
    const after = lastEventId(ctx);
    if (after !== undefined && !/^[0-9]{1,20}(-[0-9]{1,20})?$/.test(after))
      return refuse(ctx, 400, 'bad_request', 'Last-Event-ID must be an id this feed sent');
    const repo = one('repo');
    const build = one('build');
    const principal = principalOf(ctx);
    const verdicts = new Map<string, { ok: Promise<boolean>; until: number }>();
    const mayRead = (name: string, isPrivate: boolean) => {
      const key = `${name}:${isPrivate}`;
      let verdict = verdicts.get(key);
      if (!verdict || verdict.until < Date.now()) {
        const [owner = '', repoName = ''] = name.split('/');
        verdict = {
          ok: deps.access.canRead(principal, { owner, name: repoName, private: isPrivate }),
          until: Date.now() + VERDICT_MS,
        };
        verdicts.set(key, verdict);
      }
      return verdict.ok;
    };

    const sse = openSse(ctx, deps.heartbeatMs);
    void (async () => {
      try {
        for await (const event of deps.events.follow(after, sse.closed)) {
          if (repo && event.repo !== repo) continue;
          if (build && event.buildId !== build) continue;
          if (kinds.length && !kinds.includes(event.kind as BuildEventKind)) continue;
          if (!(await mayRead(event.repo, event.build?.private !== false))) continue;
          sse.send({ id: event.id, event: event.kind, data: event });
        }
      } catch {
        // Redis went away under the stream: the client reconnects with its Last-Event-ID.
      } finally {
        sse.end();
      }
    })();
  };
}
