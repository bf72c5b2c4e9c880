import { hostname } from 'node:os';
import type { Logger } from '../shared/logger.js';
import type { ExecutorPresence, SwarmNodeView } from '../shared/ports/executor-presence.js';

/** How often an executor reports itself; a report lives three beats. */
export const PRESENCE_INTERVAL_MS = 10_000;

export interface PresenceSource {
  /** The builds running here now. */
  builds(): string[];
  /** The swarm's nodes, when the engine can say. */
  nodes?(): Promise<SwarmNodeView[]>;
  concurrency: number;
}

/** The running report: `changed()` reports again at once (a build started or ended), `stop()` removes it. */
export interface PresenceReporter {
  changed(): void;
  stop(): Promise<void>;
}

/**
 * Reports this executor to `presence` now, every `intervalMs` and whenever `changed()` is
 * called, until `stop()` (which removes the report). Reports never overlap: a change during
 * one is reported right after it. A failed report is logged and tried again at the next beat:
 * presence is for people looking, it never stops the executor.
 */
export async function reportPresence(
  presence: ExecutorPresence,
  source: PresenceSource,
  logger: Logger,
  intervalMs = PRESENCE_INTERVAL_MS,
): Promise<PresenceReporter> {
  const id = `${hostname()}-${process.pid}`;
  const beat = async () => {
    try {
      const nodes = source.nodes ? await source.nodes().catch(() => []) : [];
      await presence.report(
        {
          id,
          hostname: hostname(),
          concurrency: source.concurrency,
          builds: source.builds(),
          nodes,
          seenAt: new Date().toISOString(),
        },
        Math.max(3 * intervalMs, 1_000),
      );
    } catch (err) {
      logger.warn('could not report this executor', { err });
    }
  };
  let beating: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const report = (): void => {
    if (stopped) return;
    if (beating) {
      again = true;
      return;
    }
    beating = beat().finally(() => {
      beating = undefined;
      if (again) {
        again = false;
        report();
      }
    });
  };
  await beat();
  const timer = setInterval(report, intervalMs);
  timer.unref();
  return {
    changed: report,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await beating;
      await presence.leave(id).catch((err: unknown) => logger.warn('could not remove this executor', { err }));
    },
  };
}
