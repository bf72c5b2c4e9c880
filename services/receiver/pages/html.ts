import type { Principal } from '../../core/auth/principal.js';
import { importMapScript } from '../static-files.js';

/** Escapes text for HTML (element content and quoted attributes). */
export function h(text: unknown): string {
  return String(text ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Who the page is for: the header's sign-in or sign-out, and the CSRF token its forms carry. */
export interface Viewer {
  principal: Principal;
  /** The session's CSRF token ('' without a session). */
  csrf: string;
  /** Whether sign-in with GitHub is configured. */
  signIn: boolean;
}

export const NOBODY: Viewer = { principal: { kind: 'anonymous' }, csrf: '', signIn: false };

const STYLE = [
  'body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1f2328}table{border-collapse:collapse}',
  'td,th{padding:.3em .8em;border-bottom:1px solid #d0d7de;text-align:left}',
  '.success{color:#1a7f37}.failure,.error{color:#cf222e}.running,.waiting,.queued{color:#9a6700}',
  '.skipped,.cancelled{color:#6e7781}code{font-size:12px}header{display:flex;gap:1em;align-items:center}',
  'header form{display:inline;margin:0}.secret{font-family:monospace;background:#fff8c5;padding:.5em}',
].join('');

/** The hidden field every form of a page carries. */
export function csrfField(viewer: Viewer): string {
  return `<input type="hidden" name="_csrf" value="${h(viewer.csrf)}">`;
}

function header(viewer: Viewer): string {
  const { principal } = viewer;
  if (principal.kind === 'user' && principal.via === 'session') {
    return [
      `<header><a href="/">Slipway</a><span>Signed in as <strong>${h(principal.login)}</strong></span>`,
      '<a href="/nodes">Nodes on demand</a><a href="/settings/tokens">Personal tokens</a>',
      `<form method="post" action="/logout">${csrfField(viewer)}<button type="submit">Sign out</button></form>`,
      '</header>',
    ].join('');
  }
  const signIn = viewer.signIn ? '<a href="/login">Sign in with GitHub</a>' : '';
  return `<header><a href="/">Slipway</a>${signIn}</header>`;
}

/** What a page loads besides its HTML: ES modules from /static/ (each file name, e.g. `build-list.js`). */
export interface PageAssets {
  /** The modules the page runs, as `<script type="module">`, after the import map. */
  modules?: readonly string[];
  /** Modules they import, fetched at once rather than one level of imports after another. */
  preload?: readonly string[];
  /** Stylesheets from /static/ besides dashboard.css (e.g. `log-viewer.css` where a log is shown). */
  styles?: readonly string[];
}

/**
 * A whole page: no inline script (the CSP forbids it; the import map is allowed by its hash),
 * styles in one element the CSP allows and the dashboard's stylesheet.
 */
export function page(title: string, body: string, viewer: Viewer = NOBODY, assets: PageAssets = {}): string {
  const modules = assets.modules ?? [];
  const scripts =
    modules.length > 0
      ? [
          importMapScript(),
          ...[...modules, ...(assets.preload ?? [])].map((m) => `<link rel="modulepreload" href="/static/${h(m)}">`),
          ...modules.map((m) => `<script type="module" src="/static/${h(m)}"></script>`),
        ].join('')
      : '';
  return [
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${h(title)}</title>`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<style>${STYLE}</style><link rel="stylesheet" href="/static/dashboard.css">`,
    ...(assets.styles ?? []).map((s) => `<link rel="stylesheet" href="/static/${h(s)}">`),
    `${scripts}</head>`,
    `<body>${header(viewer)}<main id="main">${body}</main></body></html>`,
  ].join('');
}

/** The same style element's text, for the CSP's hash of allowed styles. */
export const PAGE_STYLE = STYLE;

/** A time for people (`2026-12-02 07:10:04 UTC`) in a `<time>` element carrying the ISO value. */
export function timeTag(iso: unknown): string {
  const text = String(iso ?? '');
  return `<time datetime="${h(text)}">${h(text.replace('T', ' ').slice(0, 19))} UTC</time>`;
}
