import type { BuildEvent } from '../core/builds/build-event.js';
import { wantsEvent, type HookSubscription } from '../core/outgoing/hook-subscription.js';
import type { Logger } from '../shared/logger.js';
import type { BuildEvents } from '../shared/ports/build-events.js';
import type { OutgoingHooks } from '../shared/ports/outgoing-hooks.js';
import type { Queues } from '../shared/ports/queues.js';
import { safeJobId } from '../shared/queues.js';

export interface DispatchDeps {
  events: BuildEvents;
  hooks: OutgoingHooks;
  queues: Queues;
  logger: Logger;
  /** The installation a repository belongs to, for installation-scoped subscriptions (App mode). */
  installationOf?: (repo: string) => number | undefined;
  /** How long the subscription list is reused (5 s). */
  subscriptionsTtlMs?: number;
}

/**
 * Follows the build events from where it last stopped (the hooks' cursor) and queues one
 * `outgoing` job per event and subscription that wants it. A build only appends to the event
 * stream; everything slow (a subscriber's URL) happens on the queue, so no build ever waits
 * for a subscriber. Job ids are per subscription and event, so two dispatchers (replicas) or
 * a restart queue each delivery once. Runs until `signal` aborts; Redis trouble is logged and
 * the follow resumes from the cursor.
 */
export async function dispatchEvents(deps: DispatchDeps, signal: AbortSignal): Promise<void> {
  let subs: { list: HookSubscription[]; until: number } = { list: [], until: 0 };
  const subscriptions = async () => {
    if (subs.until < Date.now())
      subs = { list: await deps.hooks.list(), until: Date.now() + (deps.subscriptionsTtlMs ?? 5_000) };
    return subs.list;
  };
  while (!signal.aborted) {
    try {
      const from = await deps.hooks.cursor();
      for await (const event of deps.events.follow(from, signal)) {
        await handOn(event, await subscriptions(), deps);
        await deps.hooks.setCursor(event.id);
      }
    } catch (err) {
      if (signal.aborted) return;
      deps.logger.warn('outgoing dispatcher lost its feed; resuming', { err: (err as Error).message });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

async function handOn(event: BuildEvent, subs: HookSubscription[], deps: DispatchDeps): Promise<void> {
  for (const sub of subs) {
    if (!wantsEvent(sub, event, deps.installationOf?.(event.repo))) continue;
    await deps.queues.add(
      'outgoing',
      { subscriptionId: sub.id, event },
      { jobId: safeJobId(`hook-${sub.id}-${event.id}`) },
    );
  }
}
