import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, join, relative, sep } from 'node:path';
import type { Middleware } from 'koa';
import { projectRoot } from '../shared/project-root.js';

/** Where the browser code is served: `/static/<file>`, stable URLs the pages name directly. */
export const STATIC_PREFIX = '/static/';

/** The npm modules the browser code imports by bare name, at their URLs under {@link STATIC_PREFIX}. */
const VENDOR: Readonly<Record<string, { url: string; file: () => string }>> = {
  ansi_up: { url: 'vendor/ansi_up.js', file: () => createRequire(import.meta.url).resolve('ansi_up') },
};

/**
 * The `<script type="importmap">` a page puts before its first module script, so that
 * `import { AnsiUp } from 'ansi_up'` in the browser code (the same specifier tsc resolves to
 * the npm package's types) loads the file this middleware serves. `extra` adds entries (a
 * page has one import map).
 */
export function importMapScript(extra: Record<string, string> = {}): string {
  return `<script type="importmap">${importMapText(extra)}</script>`;
}

/** The import map's JSON, as {@link importMapScript} writes it (the CSP allows exactly this text by its hash). */
export function importMapText(extra: Record<string, string> = {}): string {
  const imports = Object.fromEntries(Object.entries(VENDOR).map(([name, v]) => [name, STATIC_PREFIX + v.url]));
  return JSON.stringify({ imports: { ...imports, ...extra } });
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The browser code's folder, from source or from dist/ (which does not copy it). */
export function staticRoot(): string {
  return join(projectRoot(), 'services', 'receiver', 'static');
}

/** URL path below the prefix (`log-viewer.js`, `vendor/ansi_up.js`) → file on disk. */
async function manifest(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !CONTENT_TYPES[extname(entry.name)]) continue;
    const path = join(entry.parentPath, entry.name);
    const url = relative(root, path).split(sep).join('/');
    if (url.split('/').some((part) => part.startsWith('.'))) continue;
    files.set(url, path);
  }
  for (const vendor of Object.values(VENDOR)) files.set(vendor.url, vendor.file());
  return files;
}

/**
 * Serves the browser code under `prefix` (default `/static/`): the files of `root` (default
 * `services/receiver/static/`) with the extensions above, and the npm modules the import map
 * names. Mount it before the routers; it answers every path under the prefix itself and
 * passes anything else on.
 *
 * No part of a request path ever reaches the file system: the folder is listed once, on the
 * first request, and a request is answered only when its decoded path is exactly one of the
 * listed names, so `..`, encoded or not, can only miss (404). Dot files and other extensions
 * are never listed. A file added later needs a restart.
 *
 * The URLs carry no version, so every answer says `no-cache` (revalidate before use) with a
 * strong ETag of the content: after a deploy the new code is used at once, and an unchanged
 * file costs a 304 without a body. Files are read on each request (they are a few kB each).
 */
export function staticFiles(options: { root?: string; prefix?: string } = {}): Middleware {
  const prefix = options.prefix ?? STATIC_PREFIX;
  let files: Promise<Map<string, string>> | undefined;
  return async (ctx, next) => {
    if (!ctx.path.startsWith(prefix)) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('allow', 'GET, HEAD');
      return;
    }
    let name: string;
    try {
      name = decodeURIComponent(ctx.path.slice(prefix.length));
    } catch {
      ctx.status = 400;
      ctx.body = 'malformed path';
      return;
    }
    files ??= manifest(options.root ?? staticRoot()).catch((err: unknown) => {
      files = undefined;
      throw err;
    });
    const file = (await files).get(name);
    if (!file) {
      ctx.status = 404;
      ctx.body = 'not found';
      return;
    }
    const body = await readFile(file);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    ctx.set({
      'cache-control': 'no-cache',
      etag,
      'x-content-type-options': 'nosniff',
    });
    ctx.type = CONTENT_TYPES[extname(file)]!;
    if (
      ctx
        .get('if-none-match')
        .split(/\s*,\s*/)
        .includes(etag)
    ) {
      ctx.status = 304;
      return;
    }
    ctx.body = body;
  };
}
