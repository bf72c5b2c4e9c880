/** One page of a list, and the `Link` header GitHub sends with it (omitted when empty). */
export interface Page<T> {
  headers: Record<string, string>;
  body: T[];
}

/**
 * Paginates `items` as GitHub does: `per_page` (default 30, at most 100) and `page` (from 1),
 * with `prev`/`first`/`next`/`last` links built on `base`, which may already carry a query
 * string (e.g. the list's filters).
 */
export function paginate<T>(items: readonly T[], query: URLSearchParams, base: string): Page<T> {
  const perPage = clamp(Number(query.get('per_page') ?? 30), 1, 100, 30);
  const page = clamp(Number(query.get('page') ?? 1), 1, Number.MAX_SAFE_INTEGER, 1);
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const link = linkHeader(base, page, lastPage, perPage);
  return { headers: link === '' ? {} : { link }, body: items.slice((page - 1) * perPage, page * perPage) };
}

function linkHeader(base: string, page: number, lastPage: number, perPage: number): string {
  const separator = base.includes('?') ? '&' : '?';
  const at = (p: number): string => `<${base}${separator}per_page=${perPage}&page=${p}>`;
  const links: string[] = [];
  if (page > 1) links.push(`${at(page - 1)}; rel="prev"`, `${at(1)}; rel="first"`);
  if (page < lastPage) links.push(`${at(page + 1)}; rel="next"`, `${at(lastPage)}; rel="last"`);
  return links.join(', ');
}

function clamp(value: number, min: number, max: number, fallback: number): number {
  if (!Number.isInteger(value)) return fallback;
  return Math.min(max, Math.max(min, value));
}
