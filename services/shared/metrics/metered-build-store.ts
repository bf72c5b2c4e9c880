import type { BuildRecord, StepRecord } from '../../core/builds/record.js';
import { isFinal } from '../../core/builds/types.js';
import type { BuildStore } from '../ports/build-store.js';
import type { SlipwayMetrics } from './metrics.js';

/** Builds whose end was observed, remembered so a later `put` (an approver's) is not counted again. */
const REMEMBERED = 2_000;

/**
 * The build store of the process that runs builds, counting what its writes say: a step's
 * duration once it ends (per attempt), a build's once it ends, the steps running now, and a
 * step tried again after an infrastructure error (a higher `attempt`). Reads and writes pass
 * through unchanged; the counting is in memory, per process, as Prometheus expects of a
 * process's own metrics (a resumed build's end is counted by the executor that ends it).
 */
export function meteredBuildStore(store: BuildStore, metrics: SlipwayMetrics): BuildStore {
  const running = new Map<string, Set<string>>();
  const attempts = new Map<string, number>();
  const stepsEnded = new Set<string>();
  const buildsEnded: string[] = [];

  const observe = (record: BuildRecord) => {
    if (buildsEnded.includes(record.id)) return;
    const now = new Set<string>();
    for (const step of stepsOf(record)) {
      const attempt = step.attempt ?? 1;
      const key = `${record.id}/${step.key}`;
      const before = attempts.get(key);
      if (before !== undefined && attempt > before)
        metrics.retries.inc({ queue: 'step', cause: 'infrastructure' }, attempt - before);
      attempts.set(key, attempt);
      if (step.state === 'running') now.add(step.key);
      const ended = `${key}#${attempt}`;
      const seconds = secondsBetween(step.startedAt, step.finishedAt);
      if (isFinal(step.state) && seconds !== undefined && !stepsEnded.has(ended)) {
        stepsEnded.add(ended);
        metrics.stepDuration.observe({ outcome: step.state }, seconds);
      }
    }
    running.set(record.id, now);
    if (isFinal(record.state)) {
      const seconds = secondsBetween(record.startedAt, record.finishedAt);
      if (seconds !== undefined) metrics.buildDuration.observe({ outcome: record.state }, seconds);
      forget(record);
      buildsEnded.push(record.id);
      if (buildsEnded.length > REMEMBERED) buildsEnded.shift();
    }
    metrics.stepsRunning.set([...running.values()].reduce((sum, steps) => sum + steps.size, 0));
  };

  const forget = (record: BuildRecord) => {
    running.delete(record.id);
    for (const step of stepsOf(record)) {
      attempts.delete(`${record.id}/${step.key}`);
      for (let a = 1; a <= (step.attempt ?? 1); a++) stepsEnded.delete(`${record.id}/${step.key}#${a}`);
    }
  };

  const put = async (record: BuildRecord) => {
    await store.put(record);
    observe(record);
  };
  // Every other method (the port may grow) passes through as it is.
  return new Proxy(store, {
    get: (target, property) =>
      property === 'put' ? put : (Reflect.get(target, property) as unknown as (...args: unknown[]) => unknown),
  });
}

function stepsOf(record: BuildRecord): StepRecord[] {
  const stages = Array.isArray(record.stages) ? record.stages : [];
  return [...(record.checkout ? [record.checkout] : []), ...stages.flatMap((s) => s.steps ?? [])];
}

function secondsBetween(start: string | undefined, end: string | undefined): number | undefined {
  if (!start || !end) return undefined;
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : undefined;
}
