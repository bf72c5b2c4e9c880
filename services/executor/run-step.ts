import { isFinal } from '../core/builds/types.js';
import type { StepRecord } from '../core/builds/record.js';
import { isCarried } from '../core/builds/rerun-plan.js';
import { serviceName } from '../core/plan/naming.js';
import type { PlanStep } from '../core/plan/types.js';
import type { LogLine } from '../core/builds/log-line.js';
import type { BuildResources, StepOutcome } from './backend/types.js';
import type { RuntimeDeps } from './runtime-deps.js';

/** What one step needs from the build it belongs to. */
export interface StepContext {
  build: BuildResources;
  deps: RuntimeDeps;
  mask: (lines: LogLine[]) => LogLine[];
  /** Names of the secrets the operator provided for this build. */
  secrets: ReadonlySet<string>;
  signal: AbortSignal;
  save: () => Promise<void>;
  now: () => string;
  /** The build's checkout, run again on another node for a step placed there (by the backend). */
  checkout: PlanStep;
  /** True for the steps of a stage with sidecars: they join the build's network. */
  sidecarNetwork: boolean;
  /** The reference a step's image runs by (its digest, resolved once per build), else the image as written. */
  image: (image: string) => string;
}

/**
 * Runs one step to its end, retrying infrastructure errors as often as the step allows,
 * and records it. A step whose outcome is recorded is not run again; a step still running
 * (an executor restarted) is attached to, not started twice.
 */
export async function runStep(step: PlanStep, rec: StepRecord, ctx: StepContext): Promise<StepOutcome> {
  if (isFinal(rec.state)) return recordedOutcome(rec);
  const refused = refusedHostAccess(step);
  if (refused) return finish(rec, { kind: 'error', reason: refused }, ctx);
  const missing = step.secrets.filter((name) => !ctx.secrets.has(name));
  let outcome: StepOutcome =
    missing.length > 0
      ? {
          kind: 'error',
          reason:
            `secret ${missing.map((m) => `"${m}"`).join(', ')} is not provided to this build ` +
            '(operators set secrets in SLIPWAY_SECRETS_FILE; fork pull requests get none)',
        }
      : { kind: 'error', reason: 'did not run' };
  if (missing.length > 0) return finish(rec, outcome, ctx);
  for (let attempt = rec.attempt ?? 1; attempt <= step.retries + 1; attempt++) {
    rec.attempt = attempt;
    rec.state = 'running';
    rec.service = serviceName(ctx.build.buildId, step.key, attempt);
    rec.startedAt ??= ctx.now();
    await ctx.save();
    const ran = await runAttempt(step, rec, attempt, ctx);
    outcome = ran.outcome;
    const last = outcome.kind !== 'error' || ctx.signal.aborted || attempt > step.retries;
    if (last) {
      // The outcome is saved before the service goes: an executor that dies between the two
      // finds the outcome, never an unrecorded step without its service, which it would run again.
      await finish(rec, outcome, ctx);
      await ran.remove();
      return outcome;
    }
    await ran.remove();
    if (attempt <= step.retries)
      ctx.deps.logger.warn('step error, retrying', {
        build: ctx.build.buildId,
        step: step.key,
        attempt,
        reason: outcome.kind === 'error' ? outcome.reason : undefined,
      });
  }
  return finish(rec, outcome, ctx);
}

async function finish(rec: StepRecord, outcome: StepOutcome, ctx: StepContext): Promise<StepOutcome> {
  rec.state = outcome.kind;
  rec.finishedAt = ctx.now();
  if (outcome.kind === 'failure') rec.exitCode = outcome.exitCode;
  if (outcome.kind !== 'success' && 'reason' in outcome && outcome.reason) rec.reason = outcome.reason;
  await ctx.save();
  return outcome;
}

/**
 * Runs one attempt to its end and reads its log; `remove` then removes its service (the caller
 * saves the outcome first).
 */
async function runAttempt(
  step: PlanStep,
  rec: StepRecord,
  attempt: number,
  ctx: StepContext,
): Promise<{ outcome: StepOutcome; remove: () => Promise<void> }> {
  const { deps, build, checkout } = ctx;
  const began = Date.now();
  const name = rec.service!;
  const handle = await deps.backend.startStep({
    build,
    key: step.key,
    attempt,
    name,
    image: ctx.image(step.image),
    script: withSecretEnv(step),
    env: step.env,
    secrets: step.secrets,
    resources: step.resources,
    placement: step.placement,
    sidecarNetwork: ctx.sidecarNetwork,
    ...(step.host
      ? {
          host: {
            ...(step.host.mounts ? { mounts: step.host.mounts } : {}),
            ...(step.host.network ? { network: step.host.network } : {}),
            ...(step.host.capabilities ? { capabilities: step.host.capabilities } : {}),
          },
        }
      : {}),
    ...(step.placement.length > 0 && step !== checkout
      ? {
          checkout: {
            image: ctx.image(checkout.image),
            script: checkout.script,
            env: checkout.env,
            secrets: checkout.secrets,
            timeoutMs: checkout.timeoutMs,
            schedulingTimeoutMs: deps.schedulingTimeoutMs,
          },
        }
      : {}),
  });
  const created = Date.now();
  if (handle.reattached) deps.logger.info('re-attached to a running step', { build: build.buildId, step: step.key });
  let appending = Promise.resolve();
  const follower = deps.backend.followLog(handle, (lines) => {
    appending = appending.then(() => deps.logs.append(build.buildId, step.key, ctx.mask(lines))).catch(() => undefined);
  });
  let outcome: StepOutcome;
  try {
    outcome = await deps.backend.waitStep(handle, {
      schedulingTimeoutMs: deps.schedulingTimeoutMs,
      timeoutMs: step.timeoutMs,
      signal: ctx.signal,
      nodeLossGraceMs: deps.nodeLossGraceMs,
    });
  } finally {
    follower.stop();
  }
  const ended = Date.now();
  await appending;
  // The followed stream may lag or miss the tail; the complete log is read before the service goes.
  await deps.logs.replace(build.buildId, step.key, ctx.mask(await deps.backend.readLog(handle)));
  // Where it ran, for the build page (saved with the outcome).
  const node = await deps.backend.nodeOf(handle).catch(() => undefined);
  if (node) rec.node = node;
  const logged = Date.now();
  const remove = async () => {
    const removing = Date.now();
    await deps.backend.removeStep(handle);
    // Where a step's time went, for docs/performance.md and for a slow swarm at 3 a.m.
    deps.logger.info('step ended', {
      build: build.buildId,
      step: step.key,
      attempt,
      outcome: outcome.kind,
      createMs: created - began,
      runMs: ended - created,
      logMs: logged - ended,
      removeMs: Date.now() - removing,
    });
  };
  return { outcome, remove };
}

/**
 * Secrets arrive as files; the script exports each as an environment variable
 * (`demo-token` → `DEMO_TOKEN`) inside the container, so no value is in the service spec.
 */
export function withSecretEnv(step: PlanStep): string {
  if (step.secrets.length === 0) return step.script;
  const exports = step.secrets.map((name) => `export ${envName(name)}="$(cat /run/secrets/${name})"`);
  return `${exports.join('\n')}\n${step.script}`;
}

export function envName(secret: string): string {
  return secret.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** Host access the operator allowed but Swarm cannot give: refused, never run without it. */
function refusedHostAccess(step: PlanStep): string | undefined {
  if (step.host?.privileged)
    return (
      'privileged mode cannot be given: Swarm services cannot run privileged ' +
      '(allowed by the operator, but not possible)'
    );
  if (step.host?.pid === 'host')
    return 'the host PID namespace cannot be given to a Swarm service (allowed by the operator, but not possible)';
  return undefined;
}

function recordedOutcome(rec: StepRecord): StepOutcome {
  // A re-run carries a step that passed in the build it repeats: it counts as passed.
  if (rec.state === 'success' || isCarried(rec)) return { kind: 'success' };
  if (rec.state === 'failure')
    return { kind: 'failure', exitCode: rec.exitCode ?? 1, ...(rec.reason ? { reason: rec.reason } : {}) };
  if (rec.state === 'cancelled') return { kind: 'cancelled', reason: rec.reason ?? 'cancelled' };
  return { kind: 'error', reason: rec.reason ?? 'did not run' };
}
