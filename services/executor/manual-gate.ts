import type { BuildRecord } from '../core/builds/record.js';
import { gateReason, gateState, type GateRequest } from '../core/gate/manual-gate.js';
import { serviceName } from '../core/plan/naming.js';
import { stageLabel } from '../core/plan/stage-label.js';
import type { Plan, PlanStage } from '../core/plan/types.js';
import type { StageEvent } from '../core/status/types.js';
import type { StepContext } from './run-step.js';
import type { RuntimeDeps } from './runtime-deps.js';

/** How long a manual test's application may take to run and get its port published. */
const APP_START_MS = 60_000;
const ADDRESS_POLL_MS = 200;

/** The job id of a gate's time-out on the approvals queue. */
export const gateExpireJobId = (buildId: string) => `${buildId}-gate-expire`;

/**
 * Holds a stage whose steps passed for a manual test (`stage.manual`): starts its application
 * beside the sidecars (still up), learns where people reach it, parks the gate with the plan
 * and queues its time-out. Answers the `waiting` event that ends the build job (no worker
 * waits; the build's objects stay up), or an `error` when the application does not run. A
 * job run again after parking answers the parked gate's wait, starting nothing.
 */
export async function holdForManualTest(
  plan: Plan,
  stage: PlanStage,
  ctx: StepContext,
): Promise<StageEvent & { gate?: GateRequest }> {
  const { deps } = ctx;
  const label = stageLabel(stage);
  const manual = stage.manual!;
  if (!deps.gates)
    return {
      stage: label,
      state: 'error',
      reason: 'this stage waits for a manual test, and this executor has no way to hold one',
    };
  const parked = await deps.gates.store.get(plan.buildId);
  if (parked) return waiting(label, parked.request, manual.timeoutMs);
  const handle = await deps.backend.startApp({
    build: ctx.build,
    key: manual.app.key,
    name: serviceName(ctx.build.buildId, `manual-${manual.app.key}`, 1),
    image: ctx.image(manual.app.image),
    env: manual.app.env,
    port: manual.app.port,
    ...(manual.app.command ? { command: manual.app.command } : {}),
  });
  const ready = await deps.backend.waitReady(handle, {
    schedulingTimeoutMs: deps.schedulingTimeoutMs,
    timeoutMs: APP_START_MS,
    signal: ctx.signal,
  });
  if (ready.kind === 'cancelled') return { stage: label, state: 'cancelled', reason: ready.reason };
  if (ready.kind !== 'success')
    return {
      stage: label,
      state: 'error',
      reason: `the manual test's application did not start: ${ready.kind === 'error' ? ready.reason : 'it exited'}`,
    };
  const address = await publishedAddress(deps, handle, ctx.signal);
  if (!address)
    return {
      stage: label,
      state: 'error',
      reason: `the manual test's application runs, but no port was published for it in ${APP_START_MS / 1000}s`,
    };
  const at = (deps.now ?? (() => new Date()))();
  const request: GateRequest = {
    buildId: plan.buildId,
    stage: label,
    url: `http://${address.host}:${address.port}`,
    ...(manual.instructions ? { instructions: manual.instructions } : {}),
    people: manual.people,
    pusher: plan.request.sender,
    ...(plan.request.pullRequest !== undefined ? { pullRequest: plan.request.pullRequest } : {}),
    requestedAt: at.toISOString(),
    expiresAt: new Date(at.getTime() + manual.timeoutMs).toISOString(),
    decisions: [],
    state: 'pending',
  };
  await deps.gates.store.park({ request, plan });
  await deps.gates.queues.add(
    'approvals',
    { kind: 'gate-expire', buildId: plan.buildId },
    { jobId: gateExpireJobId(plan.buildId), delayMs: manual.timeoutMs },
  );
  // A second park keeps the first: what is stored is what people were shown.
  const stored = (await deps.gates.store.get(plan.buildId))?.request ?? request;
  return waiting(label, stored, manual.timeoutMs);
}

function waiting(stage: string, gate: GateRequest, timeoutMs: number): StageEvent & { gate: GateRequest } {
  return { stage, state: 'waiting', held: true, reason: gateReason(gate, timeoutMs), gate };
}

async function publishedAddress(
  deps: RuntimeDeps,
  handle: Parameters<RuntimeDeps['backend']['appAddress']>[0],
  signal: AbortSignal,
): Promise<{ host: string; port: number } | undefined> {
  const until = Date.now() + APP_START_MS;
  while (!signal.aborted && Date.now() < until) {
    const address = await deps.backend.appAddress(handle);
    if (address) return address;
    await new Promise((resolve) => setTimeout(resolve, ADDRESS_POLL_MS));
  }
  return undefined;
}

/**
 * A build job that finds its stage held for a manual test: `pending` while nobody decided
 * (a job run twice; everything stays up and the job ends). Once decided or timed out, the
 * held objects are torn down, the stage's record and status say how it ended, and `settled`
 * lets the build run on: passed, the next stage runs on a new checkout; failed or timed out,
 * the stage failed and the rest is skipped. `none` when no stage is held. `cancelled` (the
 * build's cancel reason) settles a gate nobody decided: torn down, the stage cancelled.
 */
export async function settleManualGate(
  plan: Plan,
  record: BuildRecord,
  deps: RuntimeDeps,
  cancelled?: string,
): Promise<'none' | 'pending' | 'settled'> {
  const stage = plan.stages.find((s) => s.manual);
  const rec = stage && record.stages.find((s) => s.name === stage.name);
  if (!stage || !rec || rec.state !== 'waiting' || !deps.gates) return 'none';
  const parked = await deps.gates.store.get(plan.buildId);
  if (!parked) return 'none';
  const now = (deps.now ?? (() => new Date()))();
  const decided = gateState(parked.request, now);
  if (decided === 'pending' && cancelled === undefined) return 'pending';
  const state = decided === 'pending' ? 'cancelled' : decided;
  const gate: GateRequest = { ...parked.request, state };
  if (parked.request.state !== state) await deps.gates.store.put({ ...parked, request: gate });
  // Nothing the test needed stays up: the application, the sidecars, the network, the workspace.
  await deps.backend.teardownBuild(plan.buildId);
  const reason = gateReason(gate, stage.manual!.timeoutMs);
  const label = stageLabel(stage);
  record.gate = gate;
  rec.description = reason;
  if (state === 'passed') {
    rec.state = 'success';
    // The workspace went with the teardown: the next stage gets a new checkout.
    record.checkout = { ...record.checkout!, state: 'queued' };
    await deps.builds.put(record);
    await deps.report({ stage: label, state: 'success', steps: rec.steps.length, durationMs: 0, reason });
  } else if (state === 'cancelled') {
    rec.state = 'cancelled';
    rec.description = cancelled;
    await deps.builds.put(record);
    await deps.report({ stage: label, state: 'cancelled', reason: cancelled ?? 'cancelled' });
  } else {
    rec.state = 'failure';
    await deps.builds.put(record);
    await deps.report({ stage: label, state: 'refused', reason });
  }
  return 'settled';
}
