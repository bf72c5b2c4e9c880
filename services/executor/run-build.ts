import type { ApprovalRequest } from '../core/approval/approval.js';
import type { GateRequest } from '../core/gate/manual-gate.js';
import type { StageRecord } from '../core/builds/record.js';
import { recordForPlan } from '../core/builds/record-for-plan.js';
import { carryArtifacts } from './carry-artifacts.js';
import { isCarried } from '../core/builds/rerun-plan.js';
import { isFinal, type RunState } from '../core/builds/types.js';
import { credentialAnswer, splitCloneUrl } from '../core/plan/clone-url.js';
import { CLONE_CREDENTIALS_SECRET, GIT_TOKEN_SECRET } from '../core/plan/compile-plan.js';
import { serviceName } from '../core/plan/naming.js';
import { reproduceLines } from '../core/plan/reproduce-lines.js';
import { stageLabel } from '../core/plan/stage-label.js';
import { FORK_RUN, type Plan, type PlanStage, type PlanStep } from '../core/plan/types.js';
import type { StageEvent } from '../core/status/types.js';
import type { BuildResources, StepOutcome } from './backend/types.js';
import { secretParamValues } from '../shared/secret-params.js';
import { secretMasker, secretTextMasker } from './mask-secrets.js';
import { runStep, type StepContext } from './run-step.js';
import { runInSlots } from './step-slots.js';
import { holdForManualTest, settleManualGate } from './manual-gate.js';
import type { RuntimeDeps } from './runtime-deps.js';

export type { RuntimeDeps } from './runtime-deps.js';

/**
 * Runs a plan: checkout, then the stages in order, the steps of a stage in parallel (after
 * its locks are held and its sidecars are ready), and teardown exactly once at the end. A
 * stage runs only when the one before succeeded. `stops.cancel` cancels the build, and so
 * does the plan's own time limit; `stops.supersede` (a newer push to the branch) stops it
 * too, but lets a deploy that is under way finish.
 *
 * Idempotent: run again after a crash, it skips steps whose outcome is recorded and
 * re-attaches to steps still running, so no step runs twice.
 */
export async function runBuild(
  plan: Plan,
  deps: RuntimeDeps,
  stops: { cancel?: AbortSignal; supersede?: AbortSignal } = {},
): Promise<RunState> {
  const now = () => (deps.now ?? (() => new Date()))().toISOString();
  const record = (await deps.builds.get(plan.buildId)) ?? recordForPlan(plan, now());
  if (isFinal(record.state)) return record.state;
  const build: BuildResources = { buildId: plan.buildId, network: plan.network, volume: plan.volume };
  const save = () => deps.builds.put(record);
  const timeout = AbortSignal.timeout(plan.timeoutMs);
  const never = new AbortController().signal;
  const hard = AbortSignal.any([stops.cancel ?? never, timeout]);
  const stop = AbortSignal.any([hard, stops.supersede ?? never]);
  // A fork's pull request is someone else's code: it never sees the operator's secrets.
  // A manual run's secret parameters are secrets of this build; the operator's of the same name win.
  const params = deps.secretParams ? await secretParamValues(deps.secretParams, plan.request) : {};
  const secrets = plan.request.fork ? {} : usedSecrets(plan, { ...params, ...deps.secretsFor(plan.request.repo) });
  if (deps.gitToken && plan.checkout.secrets.includes(GIT_TOKEN_SECRET)) {
    const token = await deps.gitToken(plan.request);
    if (token) secrets[GIT_TOKEN_SECRET] = token;
  }
  let images: Record<string, string> = {};
  // Credentials a rewrite rule put in the clone URL reach only the checkout's credential helper.
  const cloneAnswer = plan.checkout.secrets.includes(CLONE_CREDENTIALS_SECRET)
    ? credentialAnswer(plan.request.cloneUrl)
    : undefined;
  if (cloneAnswer) secrets[CLONE_CREDENTIALS_SECRET] = cloneAnswer;
  const masked = [...Object.values(secrets), splitCloneUrl(plan.request.cloneUrl).credentials?.password ?? ''];
  const ctx: StepContext = {
    build,
    deps,
    mask: secretMasker(masked),
    maskText: secretTextMasker(masked),
    secrets: new Set(Object.keys(secrets)),
    signal: stop,
    save,
    now,
    checkout: plan.checkout,
    sidecarNetwork: false,
    image: (image) => images[image] ?? image,
    fileHashes: () => record.checkout?.fileHashes ?? {},
  };
  const cancelReason = () =>
    timeout.aborted
      ? `the build timed out after ${Math.round(plan.timeoutMs / 60_000)}m`
      : String((stops.cancel?.aborted ? stops.cancel.reason : stops.supersede?.reason) ?? 'cancelled');

  if (plan.runApproval) {
    const verdict = await runGate(plan, deps);
    if (verdict) {
      record.state = verdict.state;
      for (const stage of plan.stages) {
        const rec = record.stages.find((s) => s.name === stage.name)!;
        rec.state = verdict.state;
        rec.description = verdict.event.reason;
        await deps.report({ ...verdict.event, stage: stageLabel(stage) });
      }
      record.finishedAt = now();
      await save();
      return record.state;
    }
  }
  // A stage held for a manual test: still held, the job ends; decided, it ends as decided and the build runs on.
  // Cancelled or superseded, it is torn down: the held stage is a test, never a deploy under way.
  const cancelled = stops.cancel?.aborted
    ? String(stops.cancel.reason ?? 'cancelled')
    : stops.supersede?.aborted
      ? String(stops.supersede.reason ?? 'superseded')
      : undefined;
  if ((await settleManualGate(plan, record, deps, cancelled)) === 'pending') return 'waiting';
  record.state = 'running';
  record.startedAt ??= now();
  await save();
  // A re-run's carried steps did not run here: their artifacts come from the build it repeats.
  const carriedFiles = await carryArtifacts(plan, record, deps, now());
  if (carriedFiles.length > 0)
    deps.logger.info('artifacts carried from the build re-run', {
      build: plan.buildId,
      from: plan.request.rerunOf?.buildId,
      steps: carriedFiles,
    });
  // A build held for a manual test keeps its objects up (the application, its sidecars) with no job running.
  let held = false;
  try {
    // Each image is looked up once for the whole build, while its objects are made.
    const [, resolved] = await Promise.all([
      deps.backend.setupBuild(build, secrets),
      deps.backend.resolveImages(imagesOf(plan)),
    ]);
    images = resolved;
    const checkout = await runStep(plan.checkout, record.checkout!, ctx);
    let blocked: { stage: string; state: 'failure' | 'error' | 'cancelled' } | undefined =
      checkout.kind === 'success'
        ? undefined
        : { stage: 'checkout', state: checkout.kind === 'cancelled' ? 'cancelled' : 'error' };
    for (const stage of plan.stages) {
      const rec = record.stages.find((s) => s.name === stage.name)!;
      if (isFinal(rec.state) && rec.state !== 'skipped') {
        // A re-run's stage that passed in the build it repeats: its status says so again.
        if (rec.state === 'success' && rec.steps.every(isCarried))
          await deps.report({ stage: stageLabel(stage), state: 'success', steps: rec.steps.length, durationMs: 0 });
        if (rec.state !== 'success')
          blocked = { stage: stageLabel(stage), state: rec.state as 'failure' | 'error' | 'cancelled' };
        continue;
      }
      if (blocked || stop.aborted) {
        await skipStage(
          rec,
          stageLabel(stage),
          blocked ?? { stage: stageLabel(stage), state: 'cancelled' },
          cancelReason(),
          deps,
          save,
        );
        continue;
      }
      // A deploy under way is not stopped by a newer push: it finishes, then the newer build deploys.
      const ran = await runStage(
        plan,
        stage,
        rec,
        stage.name === 'deploy' ? { ...ctx, signal: hard } : ctx,
        cancelReason,
      );
      const ended: StageEnd =
        ran.state === 'success' && stage.manual && !stop.aborted ? await holdForManualTest(plan, stage, ctx) : ran;
      const { approval, gate, ...event } = ended;
      if (event.state === 'waiting') {
        // The approval it waits for is on the record from now on: the build page and the API
        // show its rules and the Approve button before anyone decided.
        if (approval) record.approval = approval;
        rec.state = 'waiting';
        rec.description = event.reason;
        record.state = 'waiting';
        if (gate) {
          // Held for a manual test: the application and the sidecars stay up for people, the
          // job ends and no worker waits; the decision (or the time-out) tears them down.
          record.gate = gate;
          held = true;
        } else {
          // Parked for an approval: the job ends here and no worker waits. The workspace goes
          // with the teardown, so the checkout runs again when the build resumes.
          record.checkout = { ...record.checkout!, state: 'queued' };
        }
        await save();
        await deps.report(event);
        return 'waiting';
      }
      // Only a deploy that started is a deployment on GitHub (not one refused before it ran).
      if (rec.state === 'running') await reportDeployment(stage, event, deps);
      rec.state = event.state === 'refused' ? 'failure' : (event.state as RunState);
      if (rec.state === 'failure' || rec.state === 'error' || rec.state === 'cancelled')
        blocked = { stage: stageLabel(stage), state: rec.state };
      await save();
      await deps.report(event);
    }
    record.state = overall(
      record.stages
        .map((s) => s.state)
        .concat(checkout.kind === 'success' ? [] : [checkout.kind === 'cancelled' ? 'cancelled' : 'error']),
    );
    // The outcome is known: say so now, as the statuses do; cleaning up comes after (and a
    // teardown that fails is retried by the reaper, not by running the build again).
    record.finishedAt = now();
    await save();
  } finally {
    if (!held) await deps.backend.teardownBuild(plan.buildId);
  }
  deps.logger.info('build finished', { buildId: plan.buildId, state: record.state });
  return record.state;
}

/** How a stage ended, and what it waits for when it waits: an approval, or people's manual test. */
type StageEnd = StageEvent & { approval?: ApprovalRequest; gate?: GateRequest };

/** Runs one stage: locks, sidecars, then its steps in parallel. Returns the event that ends it. */
async function runStage(
  plan: Plan,
  stage: PlanStage,
  rec: StageRecord,
  ctx: StepContext,
  cancelReason: () => string,
): Promise<StageEvent & { approval?: ApprovalRequest }> {
  const { deps } = ctx;
  const label = stageLabel(stage);
  // A push's commit deploys only while it is still its branch's head: an old body replayed
  // (or a build run late) is tested but never deploys what the branch has moved past. GitHub
  // is asked while the approval and the locks are seen to, and answers before anything runs.
  const head =
    stage.environment && deps.stillHead && plan.request.event === 'push'
      ? deps.stillHead(plan.request.repo, plan.request.ref, plan.request.sha)
      : undefined;
  // Settled here too, so an answer nobody waits for (the stage parked for an approval) is no unhandled rejection.
  head?.catch(() => undefined);
  const moved = async (): Promise<StageEvent | undefined> => {
    if (!head || (await head)) return undefined;
    const branch = plan.request.ref.replace(/^refs\/heads\//, '');
    return { stage: label, state: 'refused', reason: `Not deployed: ${branch} has moved past this commit` };
  };
  if (stage.environment?.approval?.required) {
    // Never deploy past a required approval.
    if (!deps.approvals)
      return {
        stage: label,
        state: 'error',
        reason:
          `deploying to ${stage.environment.name} needs an approval, ` +
          'and this executor has no way to collect one: not deployed',
      };
    const gate = await deps.approvals.check(plan, stage.environment);
    const refused = await moved();
    if (refused) return refused;
    if (gate.state === 'pending')
      return { stage: label, state: 'waiting', reason: gate.reason, ...(gate.request && { approval: gate.request }) };
    if (gate.state === 'rejected') return { stage: label, state: 'refused', reason: `Not deployed: ${gate.reason}` };
    if (gate.state === 'expired') return { stage: label, state: 'error', reason: gate.reason };
  }
  // Deploys to one environment of a repository run one at a time, oldest first.
  const environmentLock = stage.environment
    ? [{ name: `deploy:${plan.request.repo.owner}/${plan.request.repo.name}:${stage.environment.name}`, capacity: 1 }]
    : [];
  // The environment's locks are the build's, for the whole stage; each step takes its own (step-slots.ts).
  const claims = [...(stage.environment?.locks ?? []), ...environmentLock];
  let toldWaiting = false;
  let anyGranted = false;
  const waiting = async (why: string) => {
    // Steps ask for their slots together: let the answers of those that got in land first.
    await new Promise((resolve) => setImmediate(resolve));
    // Once one step of the stage is in, a step waiting for a slot shows on its own record only.
    if (anyGranted || rec.state === 'running') return ctx.save();
    // Told again when the wait changes (moved up the queue, another holder): say so, once per change.
    if (toldWaiting && rec.description === why) return;
    toldWaiting = true;
    rec.state = 'waiting';
    rec.description = why;
    await ctx.save();
    await deps.report({ stage: label, state: 'waiting', reason: why });
  };
  let release = async () => undefined as void;
  // GitHub's answer is awaited beside the locks: before waiting in a queue (a commit the branch
  // has moved past is refused at once), else once they are held.
  const notHead = new AbortController();
  if (claims.length > 0 && deps.locks) {
    release = await deps.locks.acquire(
      claims,
      ctx.build.buildId,
      async (why) => {
        if (await moved()) return notHead.abort();
        await waiting(why);
      },
      AbortSignal.any([ctx.signal, notHead.signal]),
    );
  }
  // A sidecar that fails ends the stage; steps still waiting for their slots then leave.
  const quit = new AbortController();
  // Only the steps of a stage with sidecars need the build's network (to reach them).
  const stepCtx: StepContext = {
    ...ctx,
    signal: AbortSignal.any([ctx.signal, quit.signal]),
    sidecarNetwork: stage.sidecars.length > 0,
    ...(deps.reproduceLines ? { prelude: (step: PlanStep) => reproduceLines(plan, stage, step) } : {}),
  };
  const started = Date.now();
  let stageEnd: StageEvent | undefined;
  let starting: Promise<StageEvent | undefined> | undefined;
  const start = () => (starting ??= startStage(stage, rec, ctx, label, cancelReason));
  try {
    const refused = await moved();
    if (refused) return refused;
    if (ctx.signal.aborted) return { stage: label, state: 'cancelled', reason: cancelReason() };
    const outcomes = await Promise.all(
      stage.steps.map(async (step) => {
        const stepRec = rec.steps.find((s) => s.key === step.key)!;
        const outcome = await runInSlots(step, stepRec, claims, stepCtx, {
          waiting,
          granted: () => void (anyGranted = true),
          start: async () => {
            stageEnd ??= await start();
            if (!stageEnd) return undefined;
            quit.abort(stageEnd.state);
            return { kind: 'error', reason: 'not run' };
          },
          run: () => runStep(step, stepRec, stepCtx),
        });
        return { step, outcome };
      }),
    );
    if (stageEnd) return stageEnd;
    if (ctx.signal.aborted && !starting) return { stage: label, state: 'cancelled', reason: cancelReason() };
    return stageEvent(label, outcomes, Date.now() - started, cancelReason);
  } finally {
    await release();
  }
}

/**
 * Starts a stage, once, when its first step holds its slots: records and reports it running,
 * opens its deployment, starts its sidecars and waits until they are ready. Answers the event
 * that ends the stage when a sidecar is not ready, else undefined.
 */
async function startStage(
  stage: PlanStage,
  rec: StageRecord,
  ctx: StepContext,
  label: string,
  cancelReason: () => string,
): Promise<StageEvent | undefined> {
  const { deps } = ctx;
  rec.state = 'running';
  rec.description = undefined;
  await ctx.save();
  await deps.report({ stage: label, state: 'running' });
  if (stage.environment && deps.deployment) {
    await deps.deployment({
      ...deploymentOf(stage),
      state: 'in_progress',
      description: `Deploying to ${stage.environment.name}`,
      stepKey: stage.steps[0]?.key ?? 'checkout',
    });
  }
  for (const sidecar of stage.sidecars) {
    // Shown on the build page: starting, then ready or failed.
    rec.sidecars = [
      ...(rec.sidecars ?? []).filter((c) => c.name !== sidecar.name),
      { name: sidecar.name, state: 'starting' },
    ];
    const shown = rec.sidecars.at(-1)!;
    await ctx.save();
    const handle = await deps.backend.startSidecar({
      build: ctx.build,
      key: sidecar.key,
      name: serviceName(ctx.build.buildId, `svc-${sidecar.key}`, 1),
      image: ctx.image(sidecar.image),
      env: sidecar.env,
      ...(sidecar.command ? { command: sidecar.command } : {}),
      ...(sidecar.ready ? { ready: sidecar.ready } : {}),
    });
    const ready = await deps.backend.waitReady(handle, {
      schedulingTimeoutMs: deps.schedulingTimeoutMs,
      timeoutMs: sidecar.ready?.timeoutMs ?? 60_000,
      signal: ctx.signal,
    });
    shown.state = ready.kind === 'success' ? 'ready' : 'failed';
    await ctx.save();
    if (ready.kind === 'cancelled') return { stage: label, state: 'cancelled', reason: cancelReason() };
    if (ready.kind !== 'success')
      return {
        stage: label,
        state: 'error',
        reason: ready.kind === 'error' ? ready.reason : `sidecar ${sidecar.name} failed`,
      };
  }
  return undefined;
}

/** The stage's outcome from its steps': a failure (not allowed to fail) first, then an error, then cancellation. */
function stageEvent(
  stage: string,
  outcomes: Array<{ step: { name: string; key: string; allowFailure: boolean }; outcome: StepOutcome }>,
  durationMs: number,
  cancelReason: () => string,
): StageEvent {
  const counted = outcomes.filter((o) => !(o.step.allowFailure && o.outcome.kind === 'failure'));
  for (const { step, outcome } of counted) {
    if (outcome.kind === 'failure')
      return {
        stage,
        state: 'failure',
        step: step.name,
        stepKey: step.key,
        exitCode: outcome.exitCode,
        ...(outcome.reason ? { reason: outcome.reason } : {}),
      };
  }
  for (const { step, outcome } of counted) {
    if (outcome.kind === 'error')
      return { stage, state: 'error', step: step.name, stepKey: step.key, reason: outcome.reason };
  }
  if (counted.some((o) => o.outcome.kind === 'cancelled')) return { stage, state: 'cancelled', reason: cancelReason() };
  return { stage, state: 'success', steps: outcomes.length, durationMs };
}

async function skipStage(
  rec: StageRecord,
  stage: string,
  blocked: { stage: string; state: 'failure' | 'error' | 'cancelled' },
  cancelReason: string,
  deps: RuntimeDeps,
  save: () => Promise<void>,
): Promise<void> {
  const cancelled = blocked.state === 'cancelled';
  rec.state = cancelled ? 'cancelled' : 'skipped';
  rec.description = cancelled
    ? cancelReason
    : `not run: ${blocked.stage} ${blocked.state === 'failure' ? 'failed' : 'had an error'}`;
  for (const step of rec.steps) if (!isFinal(step.state)) step.state = rec.state;
  await save();
  await deps.report(
    cancelled
      ? { stage, state: 'cancelled', reason: cancelReason }
      : { stage, state: 'skipped', blockedBy: blocked.stage, blockedState: blocked.state as 'failure' | 'error' },
  );
}

/** A build that needed approval to run at all (a fork's PR): undefined when approved, else how it ends. */
async function runGate(
  plan: Plan,
  deps: RuntimeDeps,
): Promise<{ state: RunState; event: StageEvent & { reason: string } } | undefined> {
  if (!deps.approvals)
    return {
      state: 'error',
      event: {
        stage: '',
        state: 'error',
        reason: 'this build needs an approval to run, and this executor cannot check one',
      },
    };
  const gate = await deps.approvals.check(plan, { name: FORK_RUN, approval: plan.runApproval!, locks: [] });
  if (gate.state === 'approved') return undefined;
  if (gate.state === 'rejected')
    return { state: 'failure', event: { stage: '', state: 'refused', reason: `Not run: ${gate.reason}` } };
  if (gate.state === 'expired') return { state: 'error', event: { stage: '', state: 'error', reason: gate.reason } };
  return { state: 'waiting', event: { stage: '', state: 'waiting', reason: gate.reason } };
}

function deploymentOf(stage: PlanStage): { environment: string; production: boolean; url?: string } {
  const env = stage.environment!;
  return { environment: env.name, production: env.name === 'production', ...(env.url ? { url: env.url } : {}) };
}

/** The end of a deploy stage that started, as a GitHub deployment status. */
async function reportDeployment(stage: PlanStage, event: StageEvent, deps: RuntimeDeps): Promise<void> {
  if (!stage.environment || !deps.deployment) return;
  const state = event.state === 'success' ? 'success' : event.state === 'failure' ? 'failure' : 'error';
  const stepKey = 'stepKey' in event && event.stepKey ? event.stepKey : (stage.steps[0]?.key ?? 'checkout');
  const description =
    event.state === 'success'
      ? `Deployed to ${stage.environment.name}`
      : `Not deployed: ${'reason' in event ? event.reason : event.state}`;
  await deps.deployment({ ...deploymentOf(stage), state, description: description.slice(0, 140), stepKey });
}

/** Every image the plan runs, once each. */
function imagesOf(plan: Plan): string[] {
  const steps = [plan.checkout, ...plan.stages.flatMap((s) => s.steps)].map((s) => s.image);
  const services = plan.stages.flatMap((s) => [
    ...s.sidecars.map((c) => c.image),
    ...(s.manual ? [s.manual.app.image] : []),
  ]);
  return [...new Set([...steps, ...services])];
}

/** Only the secrets the plan's steps name, so a build never holds more than it uses. */
function usedSecrets(plan: Plan, available: Record<string, string>): Record<string, string> {
  const names = new Set(plan.stages.flatMap((s) => s.steps.flatMap((st) => st.secrets)));
  return Object.fromEntries(Object.entries(available).filter(([name]) => names.has(name)));
}

/** failure beats error beats cancelled beats success: the code's fault is what a developer must see first. */
function overall(states: RunState[]): RunState {
  for (const s of ['failure', 'error', 'cancelled'] as const) if (states.includes(s)) return s;
  return 'success';
}
