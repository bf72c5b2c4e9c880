import type { Server } from 'node:http';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { redisState } from '../shared/redis/redis-state.js';
import type { Running } from '../shared/service.js';
import { createApp } from './create-app.js';

/** Starts the receiver's HTTP server once Redis answers, so no webhook is taken that cannot be queued. */
export async function startReceiver(config: Config, logger: Logger): Promise<Running & { port: number }> {
  const state = redisState(config.redisUrl, { logger, failFast: true, role: 'receiver' });
  try {
    await state.ready();
  } catch (err) {
    await state.close();
    throw err;
  }
  const app = createApp({
    webhookSecret: config.webhookSecret,
    queues: state.queues,
    builds: state.builds,
    logs: state.logs,
    stops: state.stops,
    cloneUrlRewrite: config.cloneUrlRewrite,
    logger,
    apiToken: config.apiToken,
    gitBaseUrl: config.gitBaseUrl,
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(config.port, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info('receiver listening', { port, webhook: `${config.publicUrl}/webhooks` });
  return {
    port,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await state.close();
    },
  };
}
