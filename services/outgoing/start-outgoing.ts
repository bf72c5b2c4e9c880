import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { postJson } from '../shared/post-json.js';
import { redisState } from '../shared/redis/redis-state.js';
import { startWorker } from '../shared/redis/start-worker.js';
import type { Running } from '../shared/service.js';
import { deliverEvent } from './deliver-event.js';
import { dispatchEvents } from './dispatch-events.js';

/**
 * Starts the outgoing webhooks: the dispatcher (build events → `outgoing` jobs) and the
 * delivery worker (one at a time, so a subscriber gets a build's events in order while its
 * URL answers). Runs beside the receiver in `slipway server`.
 */
export function startOutgoing(config: Pick<Config, 'redisUrl' | 'publicUrl'>, logger: Logger): Running {
  const state = redisState(config.redisUrl, { logger, role: 'outgoing' });
  const stop = new AbortController();
  const dispatching = dispatchEvents({ ...state, logger }, stop.signal);
  const worker = startWorker(
    'outgoing',
    config.redisUrl,
    (job, info) => deliverEvent(job, info, { hooks: state.hooks, post: postJson(), publicUrl: config.publicUrl }),
    { logger, failure: 'outgoing webhook not delivered', concurrency: 1 },
  );
  return {
    async close() {
      stop.abort();
      await worker.close();
      await dispatching;
      await state.close();
    },
  };
}
