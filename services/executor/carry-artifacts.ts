import type { BuildRecord } from '../core/builds/record.js';
import { isCarried } from '../core/builds/rerun-plan.js';
import type { Plan } from '../core/plan/types.js';
import type { RuntimeDeps } from './runtime-deps.js';

/**
 * A re-run carries the steps that passed in the build it repeats without running them: their
 * artifacts are copied from that build into this one before anything runs, so later stages
 * get them restored as if the steps had run here (and the re-run lists them for download).
 * Idempotent (a path kept again is replaced). Answers the carried steps whose files it copied.
 * Files of the earlier build that expired are gone: the later stage then misses them, as it would.
 */
export async function carryArtifacts(
  plan: Plan,
  record: BuildRecord,
  deps: Pick<RuntimeDeps, 'artifacts'>,
  at: string,
): Promise<string[]> {
  const from = plan.request.rerunOf?.buildId;
  const store = deps.artifacts;
  if (!from || !store || from === plan.buildId) return [];
  const carried = new Set(record.stages.flatMap((stage) => stage.steps.filter(isCarried).map((step) => step.key)));
  if (carried.size === 0) return [];
  const earlier = (await store.list(from)).filter((e) => carried.has(e.step));
  const steps = [...new Set(earlier.map((e) => e.step))];
  for (const step of steps) {
    const files = await Promise.all(
      earlier
        .filter((e) => e.step === step)
        .map(async (e) => ({ path: e.path, bytes: await store.read(from, e.path) })),
    );
    const kept = files.flatMap((f) => (f.bytes ? [{ path: f.path, bytes: f.bytes }] : []));
    await store.put(plan.buildId, { step, stage: earlier.find((e) => e.step === step)!.stage }, kept, at);
  }
  return steps;
}
