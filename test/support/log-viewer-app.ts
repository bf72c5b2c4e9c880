import type { Server } from 'node:http';
import path from 'node:path';
import Router from '@koa/router';
import Koa from 'koa';
import type { LogLine } from '../../services/core/builds/log-line.js';
import { streamLog } from '../../services/receiver/live-logs.js';
import { importMapScript, staticFiles } from '../../services/receiver/static-files.js';
import { createLogger } from '../../services/shared/logger.js';
import type { LogStore } from '../../services/shared/ports/log-store.js';
import { projectRoot } from '../../services/shared/project-root.js';
import { redisState, type RedisState } from '../../services/shared/redis/redis-state.js';

/** What one test page shows: a stored log (`data`), a step's live stream, or both. */
export interface LogPageConfig {
  /** Name of a log registered with `serveLog`, loaded as JSON. */
  log?: string;
  /** Build and step whose live stream (`streamLog`, the API's own) feeds the viewer. */
  stream?: { build: string; step: string };
  label?: string;
  downloadName?: string;
}

/**
 * A small Koa app for the browser tests, mounted as the dashboard will mount the viewer:
 * `staticFiles` at /static/, a page per test, logs as JSON, and the API's live log stream
 * (`streamLog` over the real Redis log store and its live fan-out). Not the receiver's app, which
 * another change is rewriting; the routes here are only what the viewer needs.
 */
export class LogViewerApp {
  /** Where a test writes the step logs the page streams. */
  readonly logs: LogStore;
  url = '';
  private server!: Server;
  private readonly served = new Map<string, readonly LogLine[]>();
  private readonly states = new Map<string, string>();

  private constructor(private readonly state: RedisState) {
    this.logs = state.logs;
  }

  static async start(redisUrl: string): Promise<LogViewerApp> {
    const self = new LogViewerApp(redisState(redisUrl, { logger: createLogger('test', true), role: 'log-viewer' }));
    const app = new Koa();
    // A page that goes away ends its live stream early; that is no error.
    app.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ERR_STREAM_PREMATURE_CLOSE') console.error(err);
    });
    self.mount(app);
    self.server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => self.server.once('listening', resolve));
    const address = self.server.address();
    self.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return self;
  }

  /** Makes `lines` the log called `name`, for pages with `{ log: name }`. */
  serveLog(name: string, lines: readonly LogLine[]): void {
    this.served.set(name, lines);
  }

  /** The state `streamLog` sees for a step (a final one ends its stream). */
  setStepState(build: string, step: string, state: string): void {
    this.states.set(`${build}/${step}`, state);
  }

  /** The URL of a page showing what `config` says. */
  pageUrl(config: LogPageConfig, hash = ''): string {
    return `${this.url}/page?c=${encodeURIComponent(JSON.stringify(config))}${hash}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
    await this.state.close();
  }

  private mount(app: Koa): void {
    const router = new Router();
    router.get('/page', (ctx) => {
      const config = JSON.parse(String(ctx.query.c ?? '{}')) as LogPageConfig;
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = logPageHtml(config);
    });
    router.get('/logs/:name', (ctx) => {
      const lines = this.served.get(ctx.params.name!);
      if (!lines) return;
      ctx.body = { lines };
    });
    router.get('/builds/:id/steps/:step/log/stream', async (ctx) => {
      const { id, step } = ctx.params as { id: string; step: string };
      await streamLog(ctx, this.logs, id, step, async () => this.states.get(`${id}/${step}`));
    });
    app.use(staticFiles());
    app.use(staticFiles({ root: path.join(projectRoot(), 'test', 'browser', 'pages'), prefix: '/test-pages/' }));
    app.use(router.routes()).use(router.allowedMethods());
  }
}

/** The modules the log page imports, directly or not. */
const VIEWER_MODULES = [
  '/test-pages/log-page.js',
  '/static/log-viewer.js',
  '/static/log-feed.js',
  '/static/log-lines.js',
  '/static/log-markup.js',
  '/static/log-search.js',
  '/static/vendor/ansi_up.js',
];

/** JSON inside a `<script>`: no `<` can close it. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** A page as the dashboard's will be: server-rendered HTML, the import map, the stylesheet, one module. */
function logPageHtml(config: LogPageConfig): string {
  const page = {
    label: config.label ?? 'Log',
    ...(config.log ? { data: `/logs/${encodeURIComponent(config.log)}` } : {}),
    ...(config.stream
      ? { stream: `/builds/${encodeURIComponent(config.stream.build)}/steps/${config.stream.step}/log/stream` }
      : {}),
    ...(config.downloadName ? { downloadName: config.downloadName } : {}),
  };
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${page.label.replace(/[<&]/g, '')} · Slipway</title>`,
    importMapScript({ '@slipway/static/': '/static/' }),
    '<link rel="stylesheet" href="/static/log-viewer.css">',
    // Everything the page needs is asked for at once, not import by import: the modules, and the log.
    ...VIEWER_MODULES.map((m) => `<link rel="modulepreload" href="${m}">`),
    ...(page.data ? [`<link rel="preload" href="${page.data}" as="fetch" crossorigin="anonymous">`] : []),
    '<style>html,body{margin:0;height:100%}body{display:flex;flex-direction:column;font:14px system-ui,sans-serif}',
    'h1{font-size:1.1em;margin:.6em .8em 0}#log{flex:1;min-height:0;padding:0 .8em .8em}</style>',
    `<script type="application/json" id="config">${scriptJson(page)}</script>`,
    '<script type="module" src="/test-pages/log-page.js"></script>',
    `</head><body><h1>${page.label.replace(/[<&]/g, '')}</h1><main id="log"></main></body></html>`,
  ].join('');
}
