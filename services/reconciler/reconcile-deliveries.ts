import { deliveriesToRedeliver, REDELIVERY_WINDOW_MS } from '../core/reconcile/deliveries-to-redeliver.js';
import type { HookDeliveries } from '../shared/github-hook-deliveries.js';
import type { Logger } from '../shared/logger.js';
import type { Redeliveries } from '../shared/ports/redeliveries.js';

/** What one pass needs: the hooks to look at, the ledger of what was asked, a clock. */
export interface ReconcileDeps {
  hooks: HookDeliveries[];
  redeliveries: Redeliveries;
  logger: Logger;
  now: () => number;
  /** Names this process in the records (`<host>-<pid>`). */
  by: string;
  /** An attempt younger than this is left to the next pass (default 10 s). */
  minAgeMs?: number;
}

/** What a pass did, per hook, for the log and for tests. */
export interface ReconcileReport {
  /** Attempts GitHub listed within the window. */
  listed: number;
  /** Redeliveries this process asked for. */
  asked: Array<{ hook: string; guid: string; round: number; attemptId: number }>;
  /** Deliveries without a 2xx that another pass (or replica) had already asked for. */
  alreadyAsked: number;
  /** Hooks whose deliveries could not be listed, with why. */
  failed: Array<{ hook: string; reason: string }>;
}

/** Claims outlive GitHub's window, so a delivery GitHub still lists is never asked for twice. */
const CLAIM_TTL_MS = REDELIVERY_WINDOW_MS + 24 * 3_600_000;

/**
 * One reconciliation pass: for each hook, list GitHub's recent attempts, and for each delivery
 * that never got a 2xx, claim its next redelivery (its id and round) in `Redeliveries` and,
 * only if this process won the claim, ask GitHub to redeliver it; a redelivery that fails too
 * makes a new round on a later pass, five rounds at most. A redelivery keeps its delivery id, so the receiver's job id
 * makes a delivery that was in fact queued a no-op. A hook GitHub will not list is reported
 * and the others go on; a redelivery GitHub refused is released for the next pass.
 */
export async function reconcileDeliveries(deps: ReconcileDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { listed: 0, asked: [], alreadyAsked: 0, failed: [] };
  for (const hook of deps.hooks) {
    const nowMs = deps.now();
    let listed;
    try {
      listed = await hook.list(nowMs);
    } catch (err) {
      report.failed.push({ hook: hook.name, reason: (err as Error).message });
      deps.logger.warn('reconciler: could not list webhook deliveries; next pass tries again', {
        hook: hook.name,
        err,
      });
      continue;
    }
    report.listed += listed.length;
    for (const delivery of deliveriesToRedeliver(listed, { nowMs, minAgeMs: deps.minAgeMs ?? 10_000 })) {
      const record = {
        hook: hook.name,
        guid: delivery.guid,
        round: delivery.round,
        attemptId: delivery.id,
        event: delivery.event,
        askedAt: new Date(nowMs).toISOString(),
        by: deps.by,
      };
      if (!(await deps.redeliveries.claim(record, CLAIM_TTL_MS))) {
        report.alreadyAsked += 1;
        continue;
      }
      try {
        await hook.redeliver(delivery.id);
      } catch (err) {
        await deps.redeliveries.release(hook.name, delivery.guid, delivery.round);
        deps.logger.warn('reconciler: GitHub did not take a redelivery; next pass tries again', {
          hook: hook.name,
          deliveryId: delivery.guid,
          err,
        });
        continue;
      }
      report.asked.push({ hook: hook.name, guid: delivery.guid, round: delivery.round, attemptId: delivery.id });
      deps.logger.info('reconciler: asked GitHub to redeliver a webhook that got no 2xx', {
        hook: hook.name,
        deliveryId: delivery.guid,
        event: delivery.event,
        lastStatus: delivery.statusCode,
      });
    }
  }
  return report;
}
