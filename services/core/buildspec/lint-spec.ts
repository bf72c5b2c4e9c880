import { DEFAULT_MAX_MATRIX } from './expand-matrix.js';
import {
  checkDuration,
  checkEnvReferences,
  checkLock,
  checkResources,
  lintSidecar,
  lintStep,
  type ExpandedName,
  type LintContext,
} from './lint-step.js';
import type { Locate } from './schema-issues.js';
import { deployEnvironments, isRecord, stageServices, stageStepList } from './spec-parts.js';
import { STAGES, type SpecIssue, type SpecPolicy } from './types.js';

/** Most steps a build may have after matrix expansion, unless the operator's policy says otherwise. */
export const DEFAULT_MAX_STEPS = 100;

/**
 * The checks the schema cannot make, in code: stages without steps, sidecars and manual
 * gates outside e2e,
 * step and environment rules (see lint-step.ts), unique names after matrix expansion,
 * duplicate environment branches, the number of steps. They run on the document even when
 * the schema refused it, judging only the parts whose shape allows it, so one run reports
 * everything.
 */
export function lintSpec(doc: unknown, locate: Locate, policy: SpecPolicy = {}): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (!isRecord(doc)) return issues;
  const report = (segments: readonly string[], message: string, hint?: string) => {
    issues.push({ path: pointer(segments), ...locate(segments), message, ...(hint ? { hint } : {}) });
  };
  const ctx: LintContext = {
    report,
    policy: {
      ...policy,
      maxSteps: policy.maxSteps ?? DEFAULT_MAX_STEPS,
      maxMatrix: policy.maxMatrix ?? DEFAULT_MAX_MATRIX,
    },
    defaults: isRecord(doc.defaults) ? doc.defaults : {},
    locks: doc.locks === undefined || doc.locks === null ? {} : isRecord(doc.locks) ? doc.locks : undefined,
  };
  // With an unknown top-level key (a misspelt stage, most likely), its issue says it all.
  const known = new Set<string>(['version', 'defaults', 'locks', ...STAGES]);
  if (STAGES.every((s) => doc[s] === undefined) && Object.keys(doc).every((k) => known.has(k))) {
    issues.push({
      path: '',
      line: 1,
      column: 1,
      message: 'no stage defined',
      hint: `add at least one of ${STAGES.join(', ')}`,
    });
  }
  checkDuration(ctx, ctx.defaults.timeout, ['defaults', 'timeout']);
  checkResources(ctx, ctx.defaults.resources, ['defaults', 'resources']);
  checkEnvReferences(ctx, ctx.defaults.env, ['defaults', 'env']);

  const build: ExpandedName[] = [];
  for (const stage of STAGES) {
    const value = doc[stage];
    if (value === undefined) continue;
    const list = stageStepList(stage, value);
    const environments = stage === 'deploy' ? deployEnvironments(value) : undefined;
    if (isRecord(value) && value.services !== undefined && stage !== 'e2e') {
      report(
        [stage, 'services'],
        'sidecar services are only for the e2e stage',
        'move them to e2e: {services: [...], steps: [...]}',
      );
    }
    if (isRecord(value) && value.manual !== undefined && stage !== 'e2e') {
      report(
        [stage, 'manual'],
        'a manual test gate is only for the e2e stage',
        'move it to e2e: {services: [...], steps: [...], manual: {...}}',
      );
    }
    if (list && environments) {
      report(
        [stage, 'environments'],
        'deploy has both "steps" and "environments"',
        'put the steps under each environment, or use steps alone',
      );
    }
    if (list?.list.length === 0)
      report(list.segments, `stage "${stage}" has no steps`, 'add a step, or remove the stage');
    else if (isRecord(value) && value.steps === undefined && value.environments === undefined) {
      report(
        [stage],
        `stage "${stage}" has no steps`,
        stage === 'deploy' ? 'add steps or environments' : 'add steps: [...]',
      );
    }
    list?.list.forEach((step, i) => build.push(...lintStep(ctx, step, [...list.segments, String(i)])));
    if (stage === 'e2e') lintSidecars(ctx, stageServices(value));
    if (stage === 'e2e' && isRecord(value) && isRecord(value.manual)) lintManual(ctx, value.manual);
  }
  const scopes = lintEnvironments(ctx, deployEnvironments(doc.deploy));
  checkUniqueNames(report, build, scopes);
  checkStepCount(ctx, build, scopes);
  return issues;
}

function lintSidecars(ctx: LintContext, services: unknown[]): void {
  const seen = new Map<string, number>();
  services.forEach((sidecar, i) => {
    const name = lintSidecar(ctx, sidecar, ['e2e', 'services', String(i)]);
    if (name === undefined) return;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, i);
    else
      ctx.report(
        ['e2e', 'services', String(i), 'name'],
        `duplicate service name "${name}"`,
        `already used at /e2e/services/${first}/name; a name is the host name the steps use`,
      );
  });
}

/** The manual gate's timeout and its application's image and env references. */
function lintManual(ctx: LintContext, manual: Record<string, unknown>): void {
  const at = ['e2e', 'manual'];
  checkDuration(ctx, manual.timeout, [...at, 'timeout']);
  if (isRecord(manual.app)) lintSidecar(ctx, manual.app, [...at, 'app']);
}

/** Checks each environment; returns the names each would add to the build, by environment. */
function lintEnvironments(ctx: LintContext, environments: Record<string, unknown> | undefined): ExpandedName[][] {
  if (!environments) return [];
  const base = ['deploy', 'environments'];
  const names = Object.keys(environments);
  if (names.length === 0)
    ctx.report(base, 'no environment defined', 'add one, e.g. staging: {branch: main, steps: [...]}');
  const branches = new Map<string, string>();
  return names.map((name) => {
    const env = environments[name];
    const at = [...base, name];
    if (!isRecord(env)) return [];
    if (typeof env.branch === 'string') {
      const other = branches.get(env.branch);
      if (other === undefined) branches.set(env.branch, name);
      else
        ctx.report(
          [...at, 'branch'],
          `environments "${other}" and "${name}" both deploy branch "${env.branch}"`,
          'a branch deploys to one environment',
        );
    }
    checkLock(ctx, env.lock, [...at, 'lock']);
    checkApproval(ctx, env.approval, [...at, 'approval']);
    if (env.steps === undefined) ctx.report(at, `environment "${name}" has no steps`, 'add steps: [...]');
    if (!Array.isArray(env.steps)) return [];
    if (env.steps.length === 0)
      ctx.report([...at, 'steps'], `environment "${name}" has no steps`, 'add a step, or remove the environment');
    return env.steps.flatMap((step, i) => lintStep(ctx, step, [...at, 'steps', String(i)]));
  });
}

function checkApproval(ctx: LintContext, approval: unknown, at: string[]): void {
  if (!isRecord(approval)) return;
  checkDuration(ctx, approval.expires, [...at, 'expires']);
  const users = Array.isArray(approval.users) ? approval.users.length : 0;
  const teams = Array.isArray(approval.teams) ? approval.teams.length : 0;
  if (typeof approval.count === 'number' && teams === 0 && users > 0 && approval.count > users) {
    ctx.report(
      [...at, 'count'],
      `needs ${approval.count} approvals but only ${users} ${users === 1 ? 'person' : 'people'} may approve`,
      'lower count, or add users or teams',
    );
  }
}

/**
 * Step names are unique in a build: among the test, e2e and plain deploy steps, and in
 * each environment together with those (two environments never run in the same build, so
 * they may reuse a name). Every repeat is reported, with where the name was first used.
 */
function checkUniqueNames(report: LintContext['report'], build: ExpandedName[], scopes: ExpandedName[][]): void {
  const check = (names: ExpandedName[], seen: Map<string, string[]>) => {
    for (const { name, segments } of names) {
      if (name === '') continue;
      const first = seen.get(name);
      if (!first) seen.set(name, segments);
      else if (pointer(first) !== pointer(segments)) {
        report(
          segments,
          `duplicate step name "${name}"`,
          `already used at ${pointer(first)}; step names must be unique in the build`,
        );
      }
    }
  };
  const seen = new Map<string, string[]>();
  check(build, seen);
  for (const scope of scopes) check(scope, new Map(seen));
}

/** A build may have at most policy.maxSteps steps: the test, e2e and plain deploy steps and its largest environment. */
function checkStepCount(ctx: LintContext, build: ExpandedName[], scopes: ExpandedName[][]): void {
  const largest = scopes.reduce<ExpandedName[]>((a, b) => (b.length > a.length ? b : a), []);
  const all = [...build, ...largest];
  const max = ctx.policy.maxSteps;
  if (all.length <= max) return;
  ctx.report(
    all[max]!.segments.slice(0, -1),
    `the build has ${all.length} steps after matrix expansion; at most ${max} are allowed`,
    'merge small steps, shrink matrices, or ask the operator to raise the limit',
  );
}

/** `/test/0/name` from its segments (JSON pointer escaping for `~` and `/`). */
export function pointer(segments: readonly string[]): string {
  return segments.map((s) => `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}
