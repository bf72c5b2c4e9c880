import { createServer, type RequestListener, type Server } from 'node:http';
import type { Config } from '../shared/config.js';
import { githubInstallations, routedGitHub } from '../shared/github-installations.js';
import { createGitHubSignIn } from '../shared/github-sign-in.js';
import type { Logger } from '../shared/logger.js';
import { censusRefresher } from '../shared/metrics/census.js';
import { metrics } from '../shared/metrics/metrics.js';
import { redisState } from '../shared/redis/redis-state.js';
import { FsArtifactStore } from '../shared/fs/fs-artifact-store.js';
import type { Running } from '../shared/service.js';
import { createApp } from './create-app.js';

/**
 * Limits of the HTTP server itself, so slow or idle clients cannot hold connections (and
 * their memory): the whole request within 30 s, headers within 10 s, idle keep-alive 5 s,
 * at most 100 headers. Live log streams are answered at once, so the request limit does not
 * cut them.
 */
export const SERVER_LIMITS = {
  requestTimeout: 30_000,
  headersTimeout: 10_000,
  keepAliveTimeout: 5_000,
  maxHeadersCount: 100,
};

/** Starts the receiver's HTTP server once Redis answers, so no webhook is taken that cannot be queued. */
export async function startReceiver(config: Config, logger: Logger): Promise<Running & { port: number }> {
  const state = redisState(config.redisUrl, { logger, failFast: true, role: 'receiver' });
  try {
    await state.ready();
  } catch (err) {
    await state.close();
    throw err;
  }
  const installations = githubInstallations(config.githubApiUrl, config.githubApp ?? { token: config.githubToken }, {
    logger,
  });
  const app = createApp({
    ...state,
    webhookSecret: config.webhookSecret,
    cloneUrlRewrite: config.cloneUrlRewrite,
    logger,
    apiToken: config.apiToken,
    gitBaseUrl: config.gitBaseUrl,
    github: routedGitHub(installations),
    installations,
    ...(config.signIn
      ? {
          signIn: {
            client: createGitHubSignIn(config.githubApiUrl, config.signIn.clientId, config.signIn.clientSecret),
            sessionSecret: config.signIn.sessionSecret,
          },
        }
      : {}),
    publicUrl: config.publicUrl,
    artifacts: new FsArtifactStore(config.artifactsDir),
    sessionTtlMs: config.sessionTtlMs,
    publicReads: config.publicReads,
    admins: config.admins,
    trustProxy: config.trustProxy,
    corsOrigins: config.corsOrigins,
    health: {
      checks: [{ name: 'redis', check: () => state.ping() }],
      metrics: metrics(),
      beforeScrape: censusRefresher(metrics(), { census: state.census, approvals: state.approvals, logger }),
    },
  });
  const server = await listen(app.callback(), config.port, config.host);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info('receiver listening', { host: config.host || '*', port, webhook: `${config.publicUrl}/webhooks` });
  return {
    port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await state.close();
    },
  };
}

async function listen(handler: RequestListener, port: number, host: string): Promise<Server> {
  const server = createServer(handler);
  Object.assign(server, SERVER_LIMITS);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (host) server.listen(port, host, done);
    else server.listen(port, done);
  });
  return server;
}
