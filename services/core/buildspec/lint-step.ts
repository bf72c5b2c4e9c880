import { closest } from './closest.js';
import { combinationName, matrixCombinations, matrixProblems, MATRIX_REFERENCE } from './expand-matrix.js';
import { parseDuration } from './parse-duration.js';
import { MIN_MEMORY_BYTES, parseMemory } from './parse-memory.js';
import { BUILD_REFERENCE, unknownBuildReferences } from './build-references.js';
import { capabilityProblems } from './capabilities.js';
import { safetyProblems } from './safety-rules.js';
import { templateProblems } from './cache-templates.js';
import { isRecord } from './spec-parts.js';
import type { SpecMatrix, SpecPolicy } from './types.js';

/** What the checks of one step or sidecar need from the whole spec. */
export interface LintContext {
  report: (segments: readonly string[], message: string, hint?: string) => void;
  policy: SpecPolicy & { maxSteps: number; maxMatrix: number };
  /** `defaults` when it is a mapping. */
  defaults: Record<string, unknown>;
  /** Declared locks and pools; undefined when `locks` is malformed (then lock names are not checked). */
  locks: Record<string, unknown> | undefined;
}

/** A step name as it will be in the plan, and where the step that makes it is written. */
export interface ExpandedName {
  name: string;
  segments: string[];
}

const CONSTRAINT_ATTRIBUTE = /^(node\.(id|hostname|role|platform\.os|platform\.arch)|(node|engine)\.labels\.[^\s=!]+)$/;

/**
 * Checks one step beyond the schema: commands or script, an image (or defaults.image),
 * durations and sizes, artifact paths, the lock, secrets, constraints, the safety rules and
 * its matrix. Returns the names the step gives once its matrix is expanded.
 */
export function lintStep(ctx: LintContext, step: unknown, at: string[]): ExpandedName[] {
  if (!isRecord(step)) return [];
  const { report } = ctx;
  const hasCommands = step.commands !== undefined;
  const hasScript = step.script !== undefined;
  if (hasCommands && hasScript)
    report(
      [...at, 'script'],
      'a step has either "commands" or "script", not both',
      'use "script" for a multi-line shell script, "commands" for a list',
    );
  if (!hasCommands && !hasScript) report(at, 'missing required key "commands" or "script"');
  if (step.image === undefined && typeof ctx.defaults.image !== 'string')
    report(at, 'missing required key "image"', 'or set defaults.image for every step');
  checkDuration(ctx, step.timeout, [...at, 'timeout']);
  checkResources(ctx, step.resources, [...at, 'resources']);
  checkPaths(ctx, step.artifacts, [...at, 'artifacts'], 'artifact path');
  checkPaths(ctx, step.reports, [...at, 'reports'], 'report path');
  checkCache(ctx, step, [...at, 'cache']);
  checkLock(ctx, step.lock, [...at, 'lock']);
  checkSecrets(ctx, step.secrets, [...at, 'secrets']);
  checkConstraints(ctx, step.placement, [...at, 'placement', 'constraints']);
  for (const p of [...safetyProblems(step, ctx.policy), ...capabilityProblems(step.capabilities, ctx.policy)])
    report([...at, ...p.segments], p.message, p.hint);

  const { problems, count } = matrixProblems(step.matrix, ctx.policy.maxMatrix);
  for (const p of problems) report([...at, 'matrix', ...p.segments], p.message, p.hint);
  checkImageReferences(ctx, step, at);
  checkEnvReferences(ctx, step.env, [...at, 'env']);
  if (typeof step.name !== 'string') return [];
  const nameAt = [...at, 'name'];
  if (step.matrix === undefined) return [{ name: step.name, segments: nameAt }];
  if (problems.length > 0 || count > ctx.policy.maxMatrix || !isRecord(step.matrix) || !isRecord(step.matrix.axes)) {
    // The matrix is refused already: count its steps without naming them.
    return Array.from({ length: Math.min(count, 10_000) }, () => ({ name: '', segments: nameAt }));
  }
  const name = step.name;
  return matrixCombinations(step.matrix as unknown as SpecMatrix).map((combo) => ({
    name: combinationName(name, combo),
    segments: nameAt,
  }));
}

/** A duration the schema accepts by its form but that is zero (`"0s"`, `"0h0m"`). */
export function checkDuration(ctx: LintContext, value: unknown, at: string[]): void {
  if (
    typeof value === 'string' &&
    /^(?:\d+h)?(?:\d+m)?(?:\d+s)?$/.test(value) &&
    value.length >= 2 &&
    parseDuration(value) === undefined
  ) {
    ctx.report(at, 'must be more than 0');
  }
}

/** Checks what the schema cannot about `resources`: Docker's smallest memory limit. */
export function checkResources(ctx: LintContext, resources: unknown, at: string[]): void {
  if (!isRecord(resources)) return;
  const bytes = parseMemory(resources.memory);
  if (bytes !== undefined && bytes < MIN_MEMORY_BYTES)
    ctx.report([...at, 'memory'], 'must be at least 6M: Docker refuses a smaller memory limit');
}

/** Artifact paths and report globs: relative to the workspace, inside it, and not all of it. */
function checkPaths(
  ctx: LintContext,
  paths: unknown,
  at: string[],
  what: 'artifact path' | 'report path' | 'cache path',
): void {
  if (!Array.isArray(paths)) return;
  const example =
    what === 'artifact path' ? 'dist/app.tar.gz' : what === 'cache path' ? 'node_modules' : 'build/junit/*.xml';
  paths.forEach((path: unknown, i) => {
    if (typeof path !== 'string' || path.length === 0) return;
    const where = [...at, String(i)];
    if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('~')) {
      ctx.report(
        where,
        `${what} "${path}" must be relative to the workspace`,
        `write it as the step sees it from /workspace, e.g. ${example}`,
      );
    } else if (path.split(/[\\/]/).includes('..')) {
      ctx.report(where, `${what} "${path}" must stay inside the workspace: ".." is not allowed`);
    } else if (normaliseArtifact(path) === '') {
      ctx.report(
        where,
        `${what} "${path}" names the whole workspace`,
        what === 'report path' ? `name the report files, e.g. ${example}` : 'name the files or directories to keep',
      );
    }
  });
}

/** A cache's paths as artifact paths are, and its key and restore keys as templates. */
function checkCache(ctx: LintContext, step: Record<string, unknown>, at: string[]): void {
  const cache = step.cache;
  if (!isRecord(cache)) return;
  checkPaths(ctx, cache.paths, [...at, 'paths'], 'cache path');
  const axes = isRecord(step.matrix) && isRecord(step.matrix.axes) ? Object.keys(step.matrix.axes) : [];
  const templates: Array<[unknown, string[]]> = [
    [cache.key, [...at, 'key']],
    ...(Array.isArray(cache.restore_keys)
      ? cache.restore_keys.map((k: unknown, i): [unknown, string[]] => [k, [...at, 'restore_keys', String(i)]])
      : []),
  ];
  for (const [template, where] of templates) {
    if (typeof template !== 'string') continue;
    for (const p of templateProblems(template, axes)) ctx.report(where, p.message, p.hint);
  }
}

/** `./dist//app/` → `dist/app`: the form the plan holds. */
export function normaliseArtifact(path: string): string {
  return path
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

export function checkLock(ctx: LintContext, lock: unknown, at: string[]): void {
  if (typeof lock !== 'string' || ctx.locks === undefined || lock in ctx.locks) return;
  const declared = Object.keys(ctx.locks);
  const near = closest(lock, declared);
  const hint = near
    ? `did you mean "${near}"?`
    : declared.length > 0
      ? `declared locks: ${declared.join(', ')}; or declare it under locks:`
      : `declare it at the top level: locks: {${lock}: {capacity: 1}}`;
  ctx.report(at, `unknown lock "${lock}"`, hint);
}

function checkSecrets(ctx: LintContext, secrets: unknown, at: string[]): void {
  const known = ctx.policy.knownSecrets;
  if (!known || !Array.isArray(secrets)) return;
  secrets.forEach((name: unknown, i) => {
    if (typeof name !== 'string' || known.includes(name)) return;
    const near = closest(name, known);
    const hint = near
      ? `did you mean "${near}"?`
      : known.length > 0
        ? `the operator provides: ${known.join(', ')}`
        : 'the operator provides no secrets to this repository';
    ctx.report([...at, String(i)], `unknown secret "${name}"`, hint);
  });
}

function checkConstraints(ctx: LintContext, placement: unknown, at: string[]): void {
  if (!isRecord(placement) || !Array.isArray(placement.constraints)) return;
  placement.constraints.forEach((constraint: unknown, i) => {
    if (typeof constraint !== 'string') return;
    const attribute = /^\s*([^\s=!]+)\s*(==|!=)/.exec(constraint)?.[1];
    if (attribute && !CONSTRAINT_ATTRIBUTE.test(attribute)) {
      ctx.report(
        [...at, String(i)],
        `unknown constraint attribute "${attribute}"`,
        'Swarm knows node.id, node.hostname, node.role, node.platform.os, node.platform.arch, ' +
          'node.labels.NAME and engine.labels.NAME',
      );
    }
  });
}

/** `${{ build.FIELD }}` in env values must name a fact of the build. */
export function checkEnvReferences(ctx: LintContext, env: unknown, at: string[]): void {
  if (!isRecord(env)) return;
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== 'string') continue;
    for (const p of unknownBuildReferences(value)) ctx.report([...at, name], p.message, p.hint);
  }
}

/**
 * `${{ matrix.AXIS }}` in an image must name an axis of the step's own matrix, and
 * `${{ build.FIELD }}` a fact of the build; nothing else may be interpolated.
 */
function checkImageReferences(ctx: LintContext, step: Record<string, unknown>, at: string[]): void {
  if (typeof step.image !== 'string' || !step.image.includes('${{')) return;
  for (const p of unknownBuildReferences(step.image)) ctx.report([...at, 'image'], p.message, p.hint);
  const axes = isRecord(step.matrix) && isRecord(step.matrix.axes) ? Object.keys(step.matrix.axes) : [];
  const rest = step.image.replace(MATRIX_REFERENCE, (whole, axis: string) => {
    if (!axes.includes(axis)) {
      const near = closest(axis, axes);
      ctx.report(
        [...at, 'image'],
        `the image refers to "matrix.${axis}", which is not an axis of this step's matrix`,
        near
          ? `did you mean "matrix.${near}"?`
          : axes.length > 0
            ? `the axes are ${axes.join(', ')}`
            : 'add a matrix with that axis',
      );
    }
    return '';
  });
  if (rest.replace(BUILD_REFERENCE, '').includes('${{'))
    ctx.report([...at, 'image'], 'only ${{ matrix.AXIS }} and ${{ build.sha }} can be used in an image');
}

/** Checks one sidecar beyond the schema: the safety rules. Returns its name, if it has one. */
export function lintSidecar(ctx: LintContext, sidecar: unknown, at: string[]): string | undefined {
  if (!isRecord(sidecar)) return undefined;
  for (const p of safetyProblems(sidecar, ctx.policy)) ctx.report([...at, ...p.segments], p.message, p.hint);
  checkImageReferences(ctx, sidecar, at);
  checkEnvReferences(ctx, sidecar.env, [...at, 'env']);
  if (isRecord(sidecar.ready)) {
    checkDuration(ctx, sidecar.ready.interval, [...at, 'ready', 'interval']);
    checkDuration(ctx, sidecar.ready.timeout, [...at, 'ready', 'timeout']);
  }
  return typeof sidecar.name === 'string' ? sidecar.name : undefined;
}
