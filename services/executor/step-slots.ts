import type { StepRecord } from '../core/builds/record.js';
import { isFinal } from '../core/builds/types.js';
import type { LockClaim, PlanStep } from '../core/plan/types.js';
import type { StepOutcome } from './backend/types.js';
import type { StepContext } from './run-step.js';

/**
 * Who holds a step's locks and pool slots: the step of the build, not the build, so four
 * matrix steps on a two-slot pool run two at a time. Deterministic, so a build run again
 * after a crash holds what it held.
 */
export function slotOwner(buildId: string, stepKey: string): string {
  return `${buildId}/${stepKey}`;
}

/**
 * Runs one step of a stage inside its own locks and pool slots: waits for them (saying so
 * while the stage has not started), starts the stage once (`start`: status, deployment,
 * sidecars) before the first step runs, runs the step, and frees its slots as soon as the
 * step ends so the next waiter gets in. What the stage already holds (its environment's locks)
 * is not claimed again. `start` answering an outcome (a sidecar failed) ends the step with it
 * unrun.
 */
export async function runInSlots(
  step: PlanStep,
  rec: StepRecord,
  held: readonly LockClaim[],
  ctx: StepContext,
  hooks: {
    /** Called as soon as the step holds its slots, before the stage starts. */
    granted: () => void;
    start: () => Promise<StepOutcome | undefined>;
    waiting: (why: string) => Promise<void>;
    run: () => Promise<StepOutcome>;
  },
): Promise<StepOutcome> {
  const heldNames = new Set(held.map((c) => c.name));
  // A step whose outcome is recorded (a build resumed, a re-run's carried step) runs nothing: it waits for nothing.
  const claims = isFinal(rec.state) ? [] : step.locks.filter((c) => !heldNames.has(c.name));
  const { locks } = ctx.deps;
  let release = async () => undefined as void;
  if (claims.length > 0 && locks) {
    release = await locks.acquire(
      claims,
      slotOwner(ctx.build.buildId, step.key),
      async (why) => {
        if (rec.state === 'queued') rec.state = 'waiting';
        await hooks.waiting(why);
      },
      ctx.signal,
    );
  }
  hooks.granted();
  try {
    if (ctx.signal.aborted) return { kind: 'cancelled', reason: String(ctx.signal.reason ?? 'cancelled') };
    const refused = await hooks.start();
    if (refused) return refused;
    return await hooks.run();
  } finally {
    await release();
  }
}
