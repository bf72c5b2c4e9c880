import type { SlipwayMetrics } from '../shared/metrics/metrics.js';
import type { Backend } from './backend/types.js';

/**
 * Calls that wait on a task (for its end, for a sidecar to be ready) or stream (a log) take as
 * long as the step does: they say nothing of the Swarm API's latency, so they are not timed.
 */
const WAITING = new Set(['waitStep', 'waitReady', 'followLog', 'collectFiles']);

/**
 * The backend with each call that talks to the engine timed into `slipway_swarm_api_duration_seconds`
 * by operation (`startStep`, `removeStep`, `setupBuild`, `teardownBuild`, `nodeOf` …) and outcome
 * (`ok`, `error`). One operation is one Engine API request or a few; calls and results are unchanged.
 */
export function meteredBackend(
  backend: Backend,
  metrics: SlipwayMetrics,
  clock: () => number = performance.now.bind(performance),
): Backend {
  return new Proxy(backend, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function' || typeof property !== 'string' || WAITING.has(property)) return value;
      return (...args: unknown[]) => {
        const started = clock();
        const done = (outcome: 'ok' | 'error') =>
          metrics.swarmApiDuration.observe({ operation: property, outcome }, (clock() - started) / 1000);
        const result: unknown = value.apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.then(
          (answer: unknown) => (done('ok'), answer),
          (err: unknown) => {
            done('error');
            throw err;
          },
        );
      };
    },
  });
}
