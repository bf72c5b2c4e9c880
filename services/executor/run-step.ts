import { isFinal } from '../core/builds/types.js';
import type { StepRecord } from '../core/builds/record.js';
import { isCarried } from '../core/builds/rerun-plan.js';
import { serviceName } from '../core/plan/naming.js';
import type { PlanStep } from '../core/plan/types.js';
import type { LogLine } from '../core/builds/log-line.js';
import type { BuildResources, StepOutcome } from './backend/types.js';
import type { RuntimeDeps } from './runtime-deps.js';
import { collectStepFiles, inputsFor } from './step-files.js';
import { hideAnnotationsLive, takeAnnotations, withAnnotations } from './step-annotations.js';
import { cacheBeforeStep, restoreFailed } from './step-cache.js';
import { takeFileHashes } from '../core/plan/hash-files-script.js';

/** What one step needs from the build it belongs to. */
export interface StepContext {
  build: BuildResources;
  deps: RuntimeDeps;
  /** The build's secret values replaced by `***` in log lines. */
  mask: (lines: LogLine[]) => LogLine[];
  /** The same for one text (test results, annotations): what the build keeps never shows a secret its log hides. */
  maskText: (text: string) => string;
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
  /** Lines the step's log begins with, before its output (how to reproduce it); none when absent. */
  prelude?: (step: PlanStep) => string[];
  /** The checkout's hashes of the files cache keys name (`hashFiles`), by `hashId`; empty before it ran. */
  fileHashes: () => Readonly<Record<string, string>>;
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
    const attempted = await runAttempt(step, rec, attempt, ctx);
    outcome = attempted.outcome;
    if (attempted.recorded) return outcome;
    if (outcome.kind !== 'error' || ctx.signal.aborted) break;
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
 * One attempt, to its removal. An outcome that ends the step is recorded before the step's
 * service is removed (`recorded`): an executor that dies in between leaves a finished step
 * behind, never a "running" one without its service, which a resumed build would start again
 * (a second checkout into a used workspace, a step run twice).
 */
async function runAttempt(
  step: PlanStep,
  rec: StepRecord,
  attempt: number,
  ctx: StepContext,
): Promise<{ outcome: StepOutcome; recorded: boolean }> {
  const { deps, build, checkout } = ctx;
  const began = Date.now();
  const name = rec.service!;
  const inputs = await inputsFor(step, ctx);
  // Timed before the cache's lines, which follow them in the log.
  const reproduce = preludeLines(step, ctx);
  const cache = await cacheBeforeStep(step, rec, ctx);
  const handle = await deps.backend.startStep({
    build,
    key: step.key,
    attempt,
    name,
    image: ctx.image(step.image),
    script: step === checkout ? withSecretEnv(step) : withAnnotations(withSecretEnv(step)),
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
    ...(inputs ? { inputs } : {}),
    ...(cache.restore ? { restore: cache.restore } : {}),
  });
  const created = Date.now();
  if (handle.restoreProblem) cache.lines.push(...restoreFailed(rec, handle.restoreProblem, ctx));
  if (handle.reattached) deps.logger.info('re-attached to a running step', { build: build.buildId, step: step.key });
  // What the cache did comes first, as the step's log tells it.
  const prelude = [...reproduce, ...cache.lines];
  // Re-attached, the log already begins with them.
  let appending =
    handle.reattached || prelude.length === 0
      ? Promise.resolve()
      : deps.logs.append(build.buildId, step.key, prelude).catch(() => undefined);
  // Live lines without those the stored log drops (annotations; the checkout's file hashes).
  const live = step === checkout ? (lines: readonly LogLine[]) => takeFileHashes(lines).log : hideAnnotationsLive();
  const follower = deps.backend.followLog(handle, (lines) => {
    const shown = live(lines);
    if (shown.length === 0) return;
    appending = appending.then(() => deps.logs.append(build.buildId, step.key, ctx.mask(shown))).catch(() => undefined);
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
  // What the step wrote to $SLIPWAY_ANNOTATIONS came back at the end of its log: taken out, kept.
  const read = await deps.backend.readLog(handle);
  const { log: complete, annotations } =
    step === checkout ? { log: keepFileHashes(read, rec), annotations: [] } : takeAnnotations(read, ctx.maskText);
  if (annotations.length > 0) rec.annotations = annotations;
  else delete rec.annotations;
  // Where it ran, for the build page (saved with the outcome).
  const node = await deps.backend.nodeOf(handle).catch(() => undefined);
  if (node) rec.node = node;
  // Its artifacts and test reports, from the workspace it ran in, before its service goes.
  const files = await collectStepFiles(step, rec, handle, outcome, ctx).catch(
    (err: unknown): Awaited<ReturnType<typeof collectStepFiles>> => ({
      outcome:
        outcome.kind === 'success' && step.artifacts.length > 0
          ? { kind: 'error', reason: `its artifacts could not be kept: ${(err as Error).message}` }
          : outcome,
      lines: [
        {
          time: ctx.now(),
          stream: 'stderr',
          text: `slipway: could not take the step's files: ${(err as Error).message}`,
        },
      ],
    }),
  );
  outcome = files.outcome;
  await deps.logs.replace(build.buildId, step.key, [...prelude, ...ctx.mask([...complete, ...files.lines])]);
  const logged = Date.now();
  const recorded = outcome.kind !== 'error' || ctx.signal.aborted || attempt > step.retries;
  if (recorded) await finish(rec, outcome, ctx);
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
    removeMs: Date.now() - logged,
  });
  return { outcome, recorded };
}

/** The checkout printed the hashes cache keys name: kept on its record, taken out of its log. */
function keepFileHashes(log: LogLine[], rec: StepRecord): LogLine[] {
  const { log: rest, hashes } = takeFileHashes(log);
  if (Object.keys(hashes).length > 0) rec.fileHashes = hashes;
  return rest;
}

function preludeLines(step: PlanStep, ctx: StepContext): LogLine[] {
  if (!ctx.prelude || step === ctx.checkout) return [];
  const time = ctx.now();
  return ctx.prelude(step).map((text) => ({ time, stream: 'stdout' as const, text }));
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
