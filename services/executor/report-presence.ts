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

/**
 * Reports this executor to `presence` now and every `intervalMs`, until the returned
 * function is called (which removes the report). A failed report is logged and tried again
 * at the next beat: presence is for people looking, it never stops the executor.
 */
export async function reportPresence(
  presence: ExecutorPresence,
  source: PresenceSource,
  logger: Logger,
  intervalMs = PRESENCE_INTERVAL_MS,
): Promise<() => Promise<void>> {
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
  await beat();
  const timer = setInterval(() => void beat(), intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await presence.leave(id).catch((err: unknown) => logger.warn('could not remove this executor', { err }));
  };
}
