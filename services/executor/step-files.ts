import {
  artifactProblems,
  buildTooBig,
  DEFAULT_ARTIFACT_LIMITS,
  fileTooBig,
  formatBytes,
} from '../core/artifacts/limits.js';
import { writeTar } from '../core/artifacts/tar.js';
import type { LogLine } from '../core/builds/log-line.js';
import type { StepRecord } from '../core/builds/record.js';
import type { PlanStep } from '../core/plan/types.js';
import { summariseReports } from '../core/reports/summarise-tests.js';
import { DEFAULT_MAX_REPORT_BYTES } from '../core/reports/parse-junit.js';
import type { FileSet, StepHandle, StepInputs, StepOutcome } from './backend/types.js';
import type { StepContext } from './run-step.js';
import { CACHE_SET, cacheSetToTake, saveCache } from './step-cache.js';

/** How long the job that takes a step's files may run. */
const COLLECT_TIMEOUT_MS = 120_000;
/** The most report files' bytes read from one step. */
const MAX_REPORTS_BYTES = 4 * DEFAULT_MAX_REPORT_BYTES;

/**
 * The files earlier stages of the build kept, for the step's workspace (the backend restores
 * them where they are not already). Undefined when there are none or no store.
 */
export async function inputsFor(step: PlanStep, ctx: StepContext): Promise<StepInputs | undefined> {
  const store = ctx.deps.artifacts;
  if (!store || step === ctx.checkout) return undefined;
  const kept = (await store.list(ctx.build.buildId)).filter((e) => e.stage !== step.stage);
  if (kept.length === 0) return undefined;
  return {
    steps: [...new Set(kept.map((e) => e.step))],
    open: async () =>
      writeTar(
        await Promise.all(
          kept.map(async (e) => ({
            path: e.path,
            bytes: (await store.read(ctx.build.buildId, e.path)) ?? Buffer.alloc(0),
          })),
        ),
      ),
    image: ctx.image(ctx.checkout.image),
    schedulingTimeoutMs: ctx.deps.schedulingTimeoutMs,
  };
}

/**
 * After a step ended: its `artifacts:` (when it succeeded) into the artifact store, within
 * the operator's limits, its `cache:` (when it succeeded and its key is new) into the cache
 * store, and its `reports:` (when it ran to an exit, passing or failing) read into
 * `rec.tests`, all by one collector job. Answers the lines to add to the step's log, and the outcome: a success
 * whose artifacts are over a limit or cannot be taken is a failure saying so.
 */
export async function collectStepFiles(
  step: PlanStep,
  rec: StepRecord,
  handle: StepHandle,
  outcome: StepOutcome,
  ctx: StepContext,
): Promise<{ outcome: StepOutcome; lines: LogLine[] }> {
  const { deps, build } = ctx;
  const exited = outcome.kind === 'success' || (outcome.kind === 'failure' && outcome.exitCode !== 124);
  const wantArtifacts = outcome.kind === 'success' && step.artifacts.length > 0 && deps.artifacts !== undefined;
  const wantReports = exited && (step.reports?.length ?? 0) > 0;
  const cache = outcome.kind === 'success' ? await cacheSetToTake(step, rec, ctx) : { lines: [] };
  if (!deps.backend.collectFiles || (!wantArtifacts && !wantReports && !cache.set))
    return { outcome, lines: cache.lines };
  const limits = deps.artifactLimits ?? DEFAULT_ARTIFACT_LIMITS;
  const kept = wantArtifacts ? await deps.artifacts!.list(build.buildId) : [];
  const room = limits.maxBuildBytes - kept.filter((k) => k.step !== step.key).reduce((sum, k) => sum + k.size, 0);
  const sets: FileSet[] = [
    ...(wantArtifacts
      ? [
          {
            name: 'artifacts',
            paths: step.artifacts,
            globs: false,
            maxFileBytes: limits.maxFileBytes,
            maxTotalBytes: Math.max(0, room),
          },
        ]
      : []),
    ...(wantReports
      ? [
          {
            name: 'reports',
            paths: step.reports!,
            globs: true,
            maxFileBytes: DEFAULT_MAX_REPORT_BYTES,
            maxTotalBytes: MAX_REPORTS_BYTES,
          },
        ]
      : []),
    ...(cache.set ? [cache.set] : []),
  ];
  const say: string[] = [];
  const collected = await deps.backend.collectFiles(handle, {
    build,
    step: step.key,
    sets,
    image: ctx.image(ctx.checkout.image),
    timeoutMs: COLLECT_TIMEOUT_MS,
    schedulingTimeoutMs: deps.schedulingTimeoutMs,
  });
  // What this says is timed now, before the cache's lines: the log's times never go back.
  const collectedAt = ctx.now();
  if (!collected.ok) {
    say.push(`slipway: could not take the step's files: ${collected.reason}`);
    return {
      outcome: wantArtifacts
        ? { kind: 'error', reason: `its artifacts could not be kept: ${collected.reason}` }
        : outcome,
      lines: [...lines(say, collectedAt), ...(cache.set ? await saveCache(step, rec, undefined, ctx) : [])],
    };
  }
  let result = outcome;
  const cacheLines = cache.set
    ? await saveCache(
        step,
        rec,
        collected.sets.find((s) => s.name === CACHE_SET),
        ctx,
      )
    : [];
  for (const set of collected.sets.filter((s) => s.name !== CACHE_SET)) {
    for (const m of set.missing) say.push(`slipway: ${set.name}: nothing matches ${m}`);
    if (set.name === 'artifacts') {
      const others = kept.filter((k) => k.step !== step.key);
      // The collector takes nothing of a set over its limits: it says which files and how much.
      const problems = [
        ...set.tooBig.map((f) => fileTooBig(f.path, f.size, limits)),
        ...(set.totalBytes > Math.max(0, room)
          ? [buildTooBig(set.totalBytes + others.reduce((sum, k) => sum + k.size, 0), limits)]
          : artifactProblems(
              set.files.map((f) => ({ path: f.path, size: f.bytes.length })),
              others,
              limits,
            )),
      ];
      if (problems.length > 0) {
        for (const p of problems) say.push(`slipway: artifacts not kept: ${p}`);
        result = { kind: 'failure', exitCode: 0, reason: `artifacts over the limit: ${problems[0]}` };
      } else {
        await deps.artifacts!.put(build.buildId, { step: step.key, stage: step.stage }, set.files, ctx.now());
        say.push(
          `slipway: kept ${set.files.length} artifact file${set.files.length === 1 ? '' : 's'} ` +
            `(${formatBytes(set.totalBytes)})`,
        );
      }
    } else {
      // Kept on the build and shown on GitHub: the secrets its log hides are hidden here too.
      const summary = summariseReports(
        set.files.map((f) => ({ path: f.path, xml: f.bytes.toString('utf8') })),
        { mask: ctx.maskText },
      );
      for (const bad of set.tooBig)
        summary.unreadable.push({
          report: ctx.maskText(bad.path),
          error: `larger than ${formatBytes(DEFAULT_MAX_REPORT_BYTES)}`,
        });
      rec.tests = summary;
      const c = summary.counts;
      say.push(
        `slipway: test reports: ${c.total} tests, ${c.passed} passed, ${c.failed} failed, ` +
          `${c.errored} errored, ${c.skipped} skipped`,
      );
      for (const u of summary.unreadable) say.push(`slipway: report ${u.report} not read: ${u.error}`);
    }
  }
  return { outcome: result, lines: [...lines(say, collectedAt), ...cacheLines] };
}

function lines(texts: string[], time: string): LogLine[] {
  return texts.map((text) => ({ time, stream: 'stdout', text }));
}
