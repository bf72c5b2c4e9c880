import { hostname } from 'node:os';
import type { Config } from '../shared/config.js';
import type { HookTarget } from '../core/reconcile/hook-target.js';
import { createHookDeliveries } from '../shared/github-hook-deliveries.js';
import { githubAuthOf } from '../shared/github.js';
import type { Logger } from '../shared/logger.js';
import { redisState } from '../shared/redis/redis-state.js';
import type { Running } from '../shared/service.js';
import { reconcileDeliveries, type ReconcileReport } from './reconcile-deliveries.js';

/** A running reconciler; `passNow` runs a pass at once (after the one under way, if any). */
export interface RunningReconciler extends Running {
  passNow(): Promise<ReconcileReport>;
}

/**
 * Starts the webhook reconciler: a pass `SLIPWAY_RECONCILE_DELAY_MS` after start-up (default
 * 5 s, once the receiver listens), then every `SLIPWAY_RECONCILE_INTERVAL_MS` (default 5
 * minutes). Its hooks: the App's (App mode) and each of `SLIPWAY_WEBHOOK_HOOKS`. With none, it
 * says so and does nothing. Runs in every receiver replica; the claims in Redis keep each
 * redelivery to one replica.
 */
export function startReconciler(config: Config, logger: Logger): RunningReconciler {
  const targets: HookTarget[] = [...(config.githubApp ? [{ kind: 'app' as const }] : []), ...config.webhookHooks];
  const state = redisState(config.redisUrl, { logger, role: 'reconciler' });
  const auth = githubAuthOf(config);
  const hooks = targets.map((target) =>
    createHookDeliveries(config.githubApiUrl, auth, target, { logger, writeGapMs: config.githubWriteGapMs }),
  );
  const deps = {
    hooks,
    redeliveries: state.redeliveries,
    logger,
    now: Date.now,
    by: `${hostname()}-${process.pid}`,
    minAgeMs: config.reconcileMinAgeMs,
  };
  let running: Promise<ReconcileReport> | undefined;
  let closed = false;
  const pass = async (): Promise<ReconcileReport> => {
    while (running) await running.catch(() => undefined);
    running = reconcileDeliveries(deps).finally(() => (running = undefined));
    const report = await running;
    if (report.asked.length || report.failed.length) logger.info('reconciler pass', { ...report });
    return report;
  };
  const tick = () => {
    if (!closed) pass().catch((err: unknown) => logger.warn('reconciler pass failed', { err }));
  };
  if (hooks.length === 0) {
    logger.info('reconciler: no webhook to reconcile (GitHub App mode, or SLIPWAY_WEBHOOK_HOOKS=owner/repo#id)');
  }
  const first = hooks.length ? setTimeout(tick, config.reconcileDelayMs) : undefined;
  const every = hooks.length ? setInterval(tick, config.reconcileIntervalMs) : undefined;
  first?.unref();
  every?.unref();
  return {
    passNow: pass,
    async close() {
      closed = true;
      clearTimeout(first);
      clearInterval(every);
      await running?.catch(() => undefined);
      await state.close();
    },
  };
}
