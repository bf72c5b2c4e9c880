import type { Context } from 'koa';
import { buildSummary, type BuildSummary } from '../../core/builds/build-summary.js';
import type { BuildRecord } from '../../core/builds/record.js';
import { RUN_STATES as STATES } from '../../core/builds/types.js';
import type { BuildStore } from '../../shared/ports/build-store.js';
import { refuse, type RepoAccess } from '../auth/index.js';
import { visibleBuilds } from '../auth/visible-build.js';

/** At most this many records are read for one page; a sparse filter answers fewer builds and a cursor. */
const SCAN_LIMIT = 2_000;

/**
 * `GET /api/v1/builds?repo=&branch=&pr=&state=&trigger=&since=&cursor=&limit=`: builds newest
 * first, only those the caller may read, `{builds: BuildSummary[], next_cursor?}`. `state` and
 * `trigger` take comma lists; `limit` 1–100 (20). The store is read page by page (by
 * repository when `repo` is given), so a page costs what it lists, not the whole history.
 */
export function buildListRoute(builds: BuildStore, access: RepoAccess) {
  return async (ctx: Context): Promise<void> => {
    const query = parseQuery(ctx);
    if (typeof query === 'string') return refuse(ctx, 400, 'bad_request', query);
    const listed: BuildSummary[] = [];
    let cursor = query.cursor;
    let scanned = 0;
    let ended = false;
    while (listed.length < query.limit && scanned < SCAN_LIMIT) {
      const page = await builds.scan({
        ...(query.repo ? { repo: query.repo } : {}),
        ...(cursor ? { cursor } : {}),
        count: query.limit - listed.length,
      });
      scanned += page.builds.length;
      const fresh = query.since ? page.builds.filter((b) => b.createdAt >= query.since!) : page.builds;
      const matching = fresh.filter(query.matches);
      for (const build of await visibleBuilds(ctx, matching, access)) listed.push(buildSummary(build));
      cursor = page.cursor;
      if (!cursor || fresh.length < page.builds.length) {
        ended = true;
        break;
      }
    }
    ctx.body = { builds: listed, ...(!ended && cursor ? { next_cursor: encodeCursor(cursor) } : {}) };
  };
}

interface ListQuery {
  repo?: string;
  since?: string;
  cursor?: string;
  limit: number;
  matches: (build: BuildRecord) => boolean;
}

function parseQuery(ctx: Context): ListQuery | string {
  const one = (name: string) => (typeof ctx.query[name] === 'string' ? (ctx.query[name] as string) : undefined);
  const list = (name: string) => (one(name) ?? '').split(',').filter(Boolean);
  const repo = one('repo');
  if (repo !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo)) return '"repo" must be "owner/name"';
  const limit = Number(one('limit') ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return '"limit" must be a whole number from 1 to 100';
  const since = one('since');
  if (since !== undefined && Number.isNaN(Date.parse(since))) return '"since" must be an ISO time';
  const pr = one('pr');
  if (pr !== undefined && !/^[1-9][0-9]*$/.test(pr)) return '"pr" must be a pull request number';
  const states = list('state');
  const unknown = states.filter((s) => !(STATES as readonly string[]).includes(s));
  if (unknown.length) return `no state ${unknown.join(', ')} (states: ${STATES.join(', ')})`;
  const triggers = list('trigger');
  const branch = one('branch');
  let cursor: string | undefined;
  const given = one('cursor');
  if (given !== undefined) {
    cursor = decodeCursor(given);
    if (cursor === undefined) return '"cursor" is not one this API gave';
  }
  const matches = (build: BuildRecord): boolean => {
    const request = build.request;
    if (!request) return false;
    if (branch !== undefined && request.ref !== `refs/heads/${branch}`) return false;
    if (pr !== undefined && request.pullRequest !== Number(pr)) return false;
    if (states.length && !states.includes(build.state)) return false;
    if (triggers.length && !triggers.includes(request.event)) return false;
    return true;
  };
  return {
    ...(repo ? { repo } : {}),
    ...(since ? { since: new Date(since).toISOString() } : {}),
    ...(cursor ? { cursor } : {}),
    limit,
    matches,
  };
}

function encodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'utf8').toString('base64url');
}

function decodeCursor(text: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) return undefined;
  const cursor = Buffer.from(text, 'base64url').toString('utf8');
  return /^\d+:[\w.-]+$/.test(cursor) ? cursor : undefined;
}
