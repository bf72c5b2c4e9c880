import type { Server } from 'node:http';
import { Queue } from 'bullmq';
import { RedisBuildStore } from '../shared/build-store.js';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { QUEUES, type ApprovalJob, type RequestJob } from '../shared/queues.js';
import { clientConnection, workerConnection } from '../shared/redis/connections.js';
import type { Running } from '../shared/service.js';
import { createApp } from './create-app.js';
import { LiveLogHub } from './live-logs.js';

/** Starts the receiver's HTTP server once Redis answers, so no webhook is taken that cannot be queued. */
export async function startReceiver(config: Config, logger: Logger): Promise<Running & { port: number }> {
  const redis = clientConnection(config.redisUrl);
  await new Promise<void>((resolve, reject) => {
    redis.once('ready', resolve);
    redis.once('error', (err) => reject(new Error(`Redis at ${config.redisUrl} did not answer: ${err.message}`)));
  });
  const requests = new Queue<RequestJob>(QUEUES.requests, { connection: redis });
  const approvals = new Queue<ApprovalJob>(QUEUES.approvals, { connection: redis });
  const subscriber = workerConnection(config.redisUrl);
  const app = createApp({
    webhookSecret: config.webhookSecret,
    requests,
    approvals,
    store: new RedisBuildStore(redis),
    cloneUrlRewrite: config.cloneUrlRewrite,
    logger,
    redis,
    live: new LiveLogHub(subscriber),
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
      await requests.close();
      await approvals.close();
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}
