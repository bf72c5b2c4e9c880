import { createServer, type Server } from 'node:http';
import Koa from 'koa';
import type { Logger } from '../logger.js';
import type { Running } from '../service.js';
import { healthRouter, type HealthDeps } from './health-router.js';

/**
 * `/healthz`, `/readyz` and `/metrics` (health-router.ts) on a port of their own, for the
 * processes that have no receiver: the executor, and the planner, reporter and approver when
 * they run apart. Started when SLIPWAY_HEALTH_PORT is set (0 picks a free port: tests).
 */
export async function startHealthServer(
  options: HealthDeps & { port: number; host?: string; logger: Logger },
): Promise<Running & { port: number }> {
  const app = new Koa();
  const router = healthRouter(options);
  app.use(router.routes()).use(router.allowedMethods());
  const server = createServer(app.callback());
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await listen(server, options.port, options.host ?? '');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  options.logger.info('health server listening', { port, routes: ['/healthz', '/readyz', '/metrics'] });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (host) server.listen(port, host, done);
    else server.listen(port, done);
  });
}
