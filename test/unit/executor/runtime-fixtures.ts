import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plan } from '../../../services/core/plan/types.js';
import type { StageEvent } from '../../../services/core/status/types.js';
import { FakeBackend } from '../../../services/executor/backend/fake-backend.js';
import type { RuntimeDeps } from '../../../services/executor/runtime-deps.js';
import { createLogger } from '../../../services/shared/logger.js';
import { memoryState, type MemoryState } from '../../../services/shared/memory/memory-state.js';
import { eventually } from '../../support/eventually.js';

/** A runtime on the fake backend and memory ports, its stage events collected. */
export interface Runtime {
  backend: FakeBackend;
  state: MemoryState;
  events: StageEvent[];
  deps: RuntimeDeps;
}

/** The runtime for `plan` (its checkout made instant); `shared` lets several builds share a backend and state. */
export function runtimeFor(plan: Plan, extra: Partial<RuntimeDeps> = {}, shared?: Partial<Runtime>): Runtime {
  const backend = shared?.backend ?? new FakeBackend();
  const state = shared?.state ?? memoryState();
  const events: StageEvent[] = [];
  const deps: RuntimeDeps = {
    backend,
    builds: state.builds,
    logs: state.logs,
    report: async (e) => void events.push(e),
    secretsFor: () => ({}),
    schedulingTimeoutMs: 5_000,
    logger: createLogger('test', true),
    ...extra,
  };
  plan.checkout = { ...plan.checkout, script: 'echo checked out' };
  return { backend, state, events, deps };
}

/** Waits until the fake backend has started a step whose service name contains `part`. */
export async function startedStep(backend: FakeBackend, part: string): Promise<void> {
  await eventually(
    `step ${part} to start`,
    () => (backend.started.some((n) => n.includes(part)) ? true : undefined),
    10_000,
  );
}

/** How many times a step whose service name contains `part` was started. */
export const starts = (backend: FakeBackend, part: string) => backend.started.filter((n) => n.includes(part)).length;

export const summary = (events: StageEvent[]) => events.map((e) => `${e.stage}:${e.state}`);

/** A folder outside any workspace, where a test and its steps leave each other signals. */
export function signals(): {
  /** A command that waits (at most 20 s, then exits 9) for a signal. */
  waitFor: (name: string) => string;
  /** A command that raises a signal. */
  raise: (name: string) => string;
  /** Raises a signal from the test. */
  send: (name: string) => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-signals-'));
  return {
    waitFor: (name) =>
      `i=0; while [ ! -f ${dir}/${name} ]; do sleep 0.05; i=$((i+1)); if [ $i -gt 400 ]; then exit 9; fi; done`,
    raise: (name) => `touch ${dir}/${name}`,
    send: (name) => writeFileSync(join(dir, name), ''),
  };
}
