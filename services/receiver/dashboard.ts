import type { BuildRecord } from '../core/builds/record.js';
import { buildListPage } from './pages/build-list-page.js';
import { parseListQuery } from './pages/build-list-query.js';
import { NOBODY, type Viewer } from './pages/html.js';

export { buildPage } from './pages/build-page.js';
export { pageRouter, type PageDeps } from './pages/page-routes.js';

/**
 * The dashboard: server-rendered pages (services/receiver/pages/) made live by small ES
 * modules (services/receiver/static/). `dashboardPage` is the list's first page of `builds`
 * unfiltered; the routes (`pageRouter`) filter, page and check who may see what.
 */
export function dashboardPage(builds: readonly BuildRecord[], viewer: Viewer = NOBODY): string {
  return buildListPage({ builds, query: parseListQuery({}), repos: [], now: new Date() }, viewer);
}
