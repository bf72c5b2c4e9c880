/**
 * One side of the webhook intake figure, as a process of its own: `receiver` is Slipway's
 * receiver alone (settings from the environment; no planner, so every accepted delivery stays
 * a waiting request job to count), `bare` a Koa server that only reads the body and answers 202.
 */
import Koa from 'koa';
import { loadConfig } from '../services/shared/config.js';
import { createLogger } from '../services/shared/logger.js';
import { startReceiver } from '../services/receiver/start-receiver.js';

const mode = process.argv[2];
const port = Number(process.env.SLIPWAY_PORT);
if (mode === 'receiver') {
  await startReceiver(loadConfig(process.env, ['webhookSecret']), createLogger('receiver', true));
} else {
  const app = new Koa();
  app.use(async (ctx) => {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    ctx.status = 202;
    ctx.body = { accepted: true, bytes: Buffer.concat(chunks).length };
  });
  await new Promise<void>((resolve) => app.listen(port, '127.0.0.1', resolve));
}
process.on('SIGTERM', () => process.exit(0));
process.stdout.write('listening\n');
