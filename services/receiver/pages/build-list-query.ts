import type { BuildRecord } from '../../core/builds/record.js';
import { branchOf } from './github-links.js';

/** Builds per page of the list. */
export const PAGE_SIZE = 25;

/** How far back the list looks (the newest records the store gives); older builds are reached by id. */
export const LIST_WINDOW = 1_000;

/** The list's filters and position, as the page's query string gives them; empty means "any". */
export interface BuildListQuery {
  repo: string;
  branch: string;
  state: string;
  trigger: string;
  /** The id of the last build of the page before: this page starts after it. */
  after: string;
}

const FIELDS = ['repo', 'branch', 'state', 'trigger', 'after'] as const;

/** Reads the query string (`?repo=o/r&state=failure&after=b123`); anything not a short string is "any". Pure. */
export function parseListQuery(query: Record<string, string | string[] | undefined>): BuildListQuery {
  const one = (name: string) => {
    const value = query[name];
    return typeof value === 'string' && value.length <= 200 ? value.trim() : '';
  };
  return Object.fromEntries(FIELDS.map((f) => [f, one(f)])) as unknown as BuildListQuery;
}

/** The query string of `query` with `change` applied, for links that keep the filters (`?a=b`, or '' for none). */
export function listHref(query: BuildListQuery, change: Partial<BuildListQuery> = {}): string {
  const merged = { ...query, ...change };
  const params = new URLSearchParams();
  for (const f of FIELDS) if (merged[f]) params.set(f, merged[f]);
  const text = params.toString();
  return text ? `/?${text}` : '/';
}

/** Whether a build passes the filters (the position aside). Records of any shape are judged, never thrown on. Pure. */
export function matchesList(b: BuildRecord, q: BuildListQuery): boolean {
  const r = b?.request;
  if (!r?.repo) return false;
  if (q.repo && `${r.repo.owner}/${r.repo.name}`.toLowerCase() !== q.repo.toLowerCase()) return false;
  if (
    q.branch &&
    branchOf(String(r.ref)) !== q.branch &&
    r.baseRef !== q.branch &&
    String(r.pullRequest) !== q.branch.replace(/^#/, '')
  )
    return false;
  if (q.state && b.state !== q.state) return false;
  return !q.trigger || r.event === q.trigger;
}

/**
 * One page of `builds` (newest first, already only those the viewer may see): the builds
 * after `q.after` that pass the filters, at most `size`, and the id to continue after when
 * there are more. A cursor naming no build gives the first page. Pure.
 */
export function pageOf(
  builds: readonly BuildRecord[],
  q: BuildListQuery,
  size = PAGE_SIZE,
): { builds: BuildRecord[]; next?: string } {
  const start = q.after ? builds.findIndex((b) => b?.id === q.after) + 1 : 0;
  const matching: BuildRecord[] = [];
  for (let i = start; i < builds.length; i++) {
    const b = builds[i]!;
    if (!matchesList(b, q)) continue;
    if (matching.length === size) return { builds: matching, next: matching[size - 1]!.id };
    matching.push(b);
  }
  return { builds: matching };
}
