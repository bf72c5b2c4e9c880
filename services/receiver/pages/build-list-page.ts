import type { BuildRecord } from '../../core/builds/record.js';
import { RUN_STATES } from '../../core/builds/types.js';
import { listHref, type BuildListQuery } from './build-list-query.js';
import { formatAge, formatDuration, runTime } from './format-time.js';
import { branchOf, githubLinks } from './github-links.js';
import { h, NOBODY, page, type Viewer } from './html.js';
import { stateBadge } from './state-badge.js';

/** What the list page shows: one page of builds and where the next one starts. */
export interface BuildListView {
  builds: readonly BuildRecord[];
  query: BuildListQuery;
  next?: string;
  /** Repositories the viewer's builds are in, offered by the filter. */
  repos: readonly string[];
  now: Date;
}

export const TRIGGERS = ['push', 'pull_request', 'manual'] as const;

/**
 * `GET /`: the filters, one page of builds (newest first) and paging. The `#builds` section
 * is also served alone (`?fragment=builds`), which build-list.js swaps in when the build
 * events say something changed: rows change state and new builds appear without a reload.
 */
export function buildListPage(view: BuildListView, viewer: Viewer = NOBODY): string {
  const hint =
    viewer.principal.kind === 'anonymous' && viewer.signIn
      ? '<p>Sign in to see the builds of your repositories.</p>'
      : '';
  return page('Builds · Slipway', `<h1>Builds</h1>${hint}${filters(view)}${buildListSection(view)}`, viewer, {
    modules: ['build-list.js'],
    preload: ['live-events.js'],
  });
}

function filters(view: BuildListView): string {
  const q = view.query;
  const options = (values: readonly string[], chosen: string, any: string) =>
    [`<option value="">${any}</option>`]
      .concat(values.map((v) => `<option value="${h(v)}"${v === chosen ? ' selected' : ''}>${h(v)}</option>`))
      .join('');
  return [
    '<form class="filters" method="get" action="/" role="search" aria-label="Filter builds">',
    `<label>Repository <input name="repo" value="${h(q.repo)}" list="repos" placeholder="owner/name" size="18">`,
    '</label>',
    `<datalist id="repos">${view.repos.map((r) => `<option value="${h(r)}">`).join('')}</datalist>`,
    `<label>Branch or PR <input name="branch" value="${h(q.branch)}" size="12"></label>`,
    `<label>State <select name="state">${options(RUN_STATES, q.state, 'any')}</select></label>`,
    `<label>Trigger <select name="trigger">${options(TRIGGERS, q.trigger, 'any')}</select></label>`,
    '<button type="submit">Filter</button>',
    q.repo || q.branch || q.state || q.trigger ? ' <a href="/">Clear</a>' : '',
    '</form>',
  ].join('');
}

/** The table and its paging links: the part of the page that goes live. */
export function buildListSection(view: BuildListView): string {
  const rows = view.builds.map((b) => buildRow(b, view.now)).join('');
  const pager = [
    view.query.after ? `<a href="${h(listHref(view.query, { after: '' }))}">Newest builds</a>` : '',
    view.next ? `<a rel="next" href="${h(listHref(view.query, { after: view.next }))}">Older builds</a>` : '',
  ].filter(Boolean);
  return [
    `<section id="builds" data-live="${view.query.after ? 'rows' : 'all'}">`,
    '<table class="builds"><caption class="visually-hidden">Builds, newest first</caption>',
    '<thead><tr><th scope="col">Build</th><th scope="col">Repository</th><th scope="col">Branch or PR</th>',
    '<th scope="col">Commit</th><th scope="col">Triggered by</th><th scope="col">State</th>',
    '<th scope="col">Duration</th><th scope="col">Age</th></tr></thead>',
    `<tbody>${rows || '<tr><td colspan="8">No builds to show.</td></tr>'}</tbody></table>`,
    pager.length > 0 ? `<nav class="pager" aria-label="Pages">${pager.join(' ')}</nav>` : '',
    '</section>',
  ].join('');
}

/** One build's row; a record that cannot be shown is one line saying so, never a failed page. */
export function buildRow(b: BuildRecord, now: Date): string {
  try {
    const r = b.request;
    const links = githubLinks(r);
    const branch = branchOf(r.ref);
    const where =
      r.pullRequest !== undefined
        ? `<a href="${h(links.pullRequest)}">#${h(r.pullRequest)}</a>${r.baseRef ? ` → ${h(r.baseRef)}` : ''}`
        : branch !== undefined
          ? `<a href="${h(links.branch)}">${h(branch)}</a>`
          : `<code>${h(r.ref)}</code>`;
    const took = runTime(b, now);
    return [
      `<tr id="build-${h(b.id)}" data-state="${h(b.state)}">`,
      `<td data-label="Build"><a href="/builds/${h(b.id)}">${h(b.id)}</a></td>`,
      `<td data-label="Repository"><a href="${h(links.repo)}">${h(r.repo.owner)}/${h(r.repo.name)}</a></td>`,
      `<td data-label="Branch or PR">${where}</td>`,
      `<td data-label="Commit"><a href="${h(links.commit)}"><code>${h(String(r.sha ?? '').slice(0, 7))}</code></a>`,
      r.subject ? ` <span class="subject">${h(r.subject)}</span>` : '',
      '</td>',
      `<td data-label="Triggered by">${h(r.sender)} <small>(${h(r.event)})</small></td>`,
      `<td data-label="State">${stateBadge(b.state)}</td>`,
      `<td data-label="Duration">${took !== undefined ? h(formatDuration(took)) : ''}</td>`,
      `<td data-label="Age"><time datetime="${h(b.createdAt)}">${h(formatAge(b.createdAt, now))}</time></td></tr>`,
    ].join('');
  } catch {
    return `<tr><td>${h(b?.id)}</td><td colspan="7">this build's record cannot be shown</td></tr>`;
  }
}
