import { createRequire } from 'node:module';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Koa from 'koa';
import { importMapScript, staticFiles, staticRoot } from '../../../services/receiver/static-files.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with the path exactly as given: fetch() would normalise `..` before sending it. */
function send(port: number, rawPath: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: rawPath,
      method: init.method ?? 'GET',
      headers: init.headers,
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function listen(app: Koa): Promise<{ server: Server; port: number }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

describe('staticFiles', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const app = new Koa();
    app.use(staticFiles());
    app.use((ctx) => {
      ctx.body = 'the rest of the app';
    });
    ({ server, port } = await listen(app));
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('serves the browser modules and the stylesheet with their content types, revalidated by ETag', async () => {
    const js = await send(port, '/static/log-viewer.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('no-cache');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect(js.body).toBe(await readFile(path.join(staticRoot(), 'log-viewer.js'), 'utf8'));

    const css = await send(port, '/static/log-viewer.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');

    const etag = String(js.headers.etag);
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    const again = await send(port, '/static/log-viewer.js', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    const changed = await send(port, '/static/log-viewer.js', { headers: { 'if-none-match': '"old"' } });
    expect(changed.status).toBe(200);
    expect(String(css.headers.etag)).not.toBe(etag);
  });

  it('serves ansi_up from node_modules at the URL the import map names', async () => {
    const map = JSON.parse(importMapScript().replace(/^<script type="importmap">|<\/script>$/g, '')) as {
      imports: Record<string, string>;
    };
    expect(map.imports).toEqual({ ansi_up: '/static/vendor/ansi_up.js' });
    const vendor = await send(port, map.imports.ansi_up!);
    expect(vendor.status).toBe(200);
    expect(vendor.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const file = createRequire(import.meta.url).resolve('ansi_up');
    expect(vendor.body).toBe(await readFile(file, 'utf8'));
    expect(vendor.body).toContain('export class AnsiUp');
  });

  it('answers HEAD without a body, refuses other methods, and leaves other paths to the app', async () => {
    const head = await send(port, '/static/log-viewer.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(head.body).toBe('');
    const post = await send(port, '/static/log-viewer.js', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    for (const other of ['/', '/static', '/staticlog-viewer.js', '/builds/x']) {
      expect((await send(port, other)).body).toBe('the rest of the app');
    }
  });

  it.each([
    '/static/../package.json',
    '/static/../../package.json',
    '/static/%2e%2e/package.json',
    '/static/%2E%2E%2F%2E%2E%2Fpackage.json',
    '/static/..%2f..%2f..%2fpackage.json',
    '/static/vendor/../../../../package.json',
    '/static/vendor/..%2F..%2F..%2F..%2Fpackage.json',
    '/static/..%5c..%5c..%5cpackage.json',
    '/static/%252e%252e/%252e%252e/package.json',
    '/static/log-viewer.js/../../static-files.ts',
    '/static/%2fetc%2fpasswd',
    '/static//etc/passwd',
    '/static/log-viewer.js%00.css',
    '/static/./log-viewer.js',
    '/static/',
    '/static/vendor',
    '/static/vendor/',
  ])('never serves a file outside the listed ones: %s', async (attempt) => {
    const answer = await send(port, attempt);
    expect([400, 404]).toContain(answer.status);
    expect(answer.body).not.toContain('"name": "slipway"');
    expect(answer.body).not.toContain('root:');
    expect(answer.body).not.toContain('import');
  });

  it('answers 400 for a path that is not valid percent-encoding', async () => {
    expect((await send(port, '/static/%E0%A4%A')).status).toBe(400);
  });
});

describe('staticFiles on a folder of its own', () => {
  let dir: string;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-static-'));
    await mkdir(path.join(dir, 'pages'));
    await mkdir(path.join(dir, '.hidden'));
    await writeFile(path.join(dir, 'pages', 'list.js'), 'export const list = 1;\n');
    await writeFile(path.join(dir, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(path.join(dir, '.env.js'), 'export const secret = 1;\n');
    await writeFile(path.join(dir, '.hidden', 'x.js'), 'export const x = 1;\n');
    await writeFile(path.join(dir, 'notes.txt'), 'not served');
    await writeFile(path.join(dir, 'tsconfig.json'), '{}');
    const app = new Koa();
    app.use(staticFiles({ root: dir }));
    ({ server, port } = await listen(app));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('serves files in subfolders, and neither dot files nor other extensions', async () => {
    const list = await send(port, '/static/pages/list.js');
    expect(list.status).toBe(200);
    expect(list.body).toBe('export const list = 1;\n');
    expect((await send(port, '/static/pages%2Flist.js')).status).toBe(200);
    expect((await send(port, '/static/icon.svg')).headers['content-type']).toBe('image/svg+xml');
    for (const hidden of ['/static/.env.js', '/static/.hidden/x.js', '/static/notes.txt', '/static/tsconfig.json']) {
      expect((await send(port, hidden)).status).toBe(404);
    }
  });
});
