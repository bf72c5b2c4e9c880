import { interpolateBuild, type BuildValues } from '../buildspec/build-references.js';
import { normaliseCapability } from '../buildspec/capabilities.js';
import { combinationName, interpolateMatrix, matrixCombinations, matrixEnvName } from '../buildspec/expand-matrix.js';
import { normaliseArtifact } from '../buildspec/lint-step.js';
import { parseDuration } from '../buildspec/parse-duration.js';
import { parseMemory } from '../buildspec/parse-memory.js';
import { parseMount } from '../buildspec/safety-rules.js';
import type {
  SpecDefaults,
  SpecEnv,
  SpecHostAccess,
  SpecLock,
  SpecCache,
  SpecSidecar,
  SpecStep,
  StageName,
} from '../buildspec/types.js';
import { uniqueKey } from './naming.js';
import type { CacheAccess, LockClaim, PlanCache, PlanHostAccess, PlanSidecar, PlanStep } from './types.js';

/** What compiling a step needs from the rest of the spec and the plan so far. */
export interface StepContext {
  stage: StageName;
  defaults: SpecDefaults;
  locks: Record<string, SpecLock | null>;
  /** Keys already given in this plan; each compiled step takes one. */
  keys: Set<string>;
  /** Time limit of a step when neither it nor defaults set one. */
  timeoutMs: number;
  /** Env set last, over the step's own (e.g. SLIPWAY_ENVIRONMENT). */
  env?: Record<string, string>;
  /** What `${{ build.FIELD }}` in images and env values becomes; left as written without it. */
  build?: BuildValues;
  /** Whose caches steps use (the repository's, by ref), or why they use none (a fork's pull request). */
  cacheScope?: CacheAccess;
}

/** Default readiness check timing of a sidecar. */
const READY_INTERVAL_MS = 1_000;
const READY_TIMEOUT_MS = 60_000;

/**
 * Compiles one valid step into plan steps: one, or one per matrix combination (named
 * `unit (node: 20, db: pg)`, with `MATRIX_NODE=20`... in env and `${{ matrix.node }}`
 * replaced in the image). Defaults apply where the step sets nothing; env and resources
 * merge, the step's value winning. `${{ build.sha }}` in the image and in env values becomes
 * the commit built.
 */
export function compileStep(step: SpecStep, ctx: StepContext): PlanStep[] {
  const { defaults } = ctx;
  const written = step.image ?? defaults.image;
  const image = written !== undefined && ctx.build ? interpolateBuild(written, ctx.build) : written;
  if (image === undefined)
    throw new Error(`compilePlan: step "${step.name}" has no image (the parser refuses such a spec)`);
  const memory = parseMemory(step.resources?.memory ?? defaults.resources?.memory);
  const cpus = step.resources?.cpus ?? defaults.resources?.cpus;
  const host = hostAccess(step);
  const base: Omit<PlanStep, 'key'> = {
    name: step.name,
    stage: ctx.stage,
    image,
    script: step.script !== undefined ? `set -e\n${step.script}` : commandScript(step.commands ?? []),
    env: buildEnv(ctx, { ...stringEnv(defaults.env), ...stringEnv(step.env), ...ctx.env }),
    secrets: [...(step.secrets ?? [])],
    timeoutMs: parseDuration(step.timeout ?? defaults.timeout) ?? ctx.timeoutMs,
    retries: step.retries ?? defaults.retries ?? 0,
    allowFailure: step.allow_failure ?? false,
    resources: { ...(cpus !== undefined ? { cpus } : {}), ...(memory !== undefined ? { memoryBytes: memory } : {}) },
    placement: placement(step),
    locks: lockClaims(step.lock, ctx.locks),
    artifacts: (step.artifacts ?? []).map(normaliseArtifact),
    ...(step.reports ? { reports: step.reports.map(normaliseArtifact) } : {}),
    ...(step.cache ? { cache: compileCache(step.cache, ctx) } : {}),
    ...(host ? { host } : {}),
  };
  if (!step.matrix) return [{ key: uniqueKey(step.name, ctx.keys), ...base }];
  return matrixCombinations(step.matrix).map((combo) => {
    const name = combinationName(step.name, combo);
    const matrixEnv = Object.fromEntries(combo.map(([axis, value]) => [matrixEnvName(axis), value]));
    return {
      key: uniqueKey(name, ctx.keys),
      ...base,
      name,
      image: interpolateMatrix(image, combo),
      env: buildEnv(ctx, { ...stringEnv(defaults.env), ...stringEnv(step.env), ...matrixEnv, ...ctx.env }),
      matrix: Object.fromEntries(combo),
      ...(base.cache
        ? {
            cache: {
              ...base.cache,
              key: interpolateMatrix(base.cache.key, combo),
              restoreKeys: base.cache.restoreKeys.map((k) => interpolateMatrix(k, combo)),
            },
          }
        : {}),
    };
  });
}

/**
 * A sidecar as the plan holds it; its key is its name, the host name steps use. With `build`,
 * `${{ build.sha }}` in its image and env values becomes the commit (an image an earlier stage
 * built can run as the sidecar the e2e steps test).
 */
export function compileSidecar(sidecar: SpecSidecar, build?: BuildValues): PlanSidecar {
  const host = hostAccess(sidecar);
  const env = stringEnv(sidecar.env);
  return {
    key: sidecar.name,
    name: sidecar.name,
    image: build ? interpolateBuild(sidecar.image, build) : sidecar.image,
    env: build ? buildEnv({ build }, env) : env,
    ...(sidecar.command ? { command: [...sidecar.command] } : {}),
    ...(sidecar.ready
      ? {
          ready: {
            command: sidecar.ready.command,
            intervalMs: parseDuration(sidecar.ready.interval) ?? READY_INTERVAL_MS,
            timeoutMs: parseDuration(sidecar.ready.timeout) ?? READY_TIMEOUT_MS,
          },
        }
      : {}),
    ...(host ? { host } : {}),
  };
}

/**
 * A step's cache: `${{ build.sha }}` filled in, the paths normalised, the scope the
 * repository's with the ref it saves under and those it reads, or none at all for a fork's
 * pull request (`ctx.cacheScope` says which).
 */
function compileCache(cache: SpecCache, ctx: StepContext): PlanCache {
  const fill = (text: string) => (ctx.build ? interpolateBuild(text, ctx.build) : text);
  const scope = ctx.cacheScope ?? { refused: 'no cache without a repository' };
  return {
    key: fill(cache.key),
    restoreKeys: (cache.restore_keys ?? []).map(fill),
    paths: cache.paths.map(normaliseArtifact),
    ...scope,
  };
}

/** A lock or pool by name, with its declared capacity (1 when none is given). */
export function lockClaims(name: string | undefined, locks: Record<string, SpecLock | null>): LockClaim[] {
  if (name === undefined) return [];
  if (!(name in locks)) throw new Error(`compilePlan: lock "${name}" is not declared (the parser refuses such a spec)`);
  return [{ name, capacity: locks[name]?.capacity ?? 1 }];
}

function buildEnv(ctx: Pick<StepContext, 'build'>, env: Record<string, string>): Record<string, string> {
  const { build } = ctx;
  if (!build) return env;
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolateBuild(v, build)]));
}

/** Env values as the shell sees them: `true`, `3`, `0.5`. */
export function stringEnv(env: SpecEnv | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, String(v)]));
}

/** Constraints as written (spaces around the operator removed), then one per node label. */
function placement(step: SpecStep): string[] {
  const constraints = (step.placement?.constraints ?? []).map((c) => c.trim().replace(/\s*(==|!=)\s*/, '$1'));
  const labels = Object.entries(step.placement?.node_labels ?? {}).map(([k, v]) => `node.labels.${k}==${String(v)}`);
  return [...constraints, ...labels];
}

type HostKeys = SpecHostAccess & { network_mode?: 'host'; pid?: 'host'; capabilities?: string[] };

function hostAccess(node: HostKeys): PlanHostAccess | undefined {
  const mounts = (node.volumes ?? []).map((volume) => {
    const mount = parseMount(volume);
    if (!mount)
      throw new Error(`compilePlan: volume "${volume}" is not /host:/container (the parser refuses such a spec)`);
    return mount;
  });
  const host: PlanHostAccess = {
    ...(node.privileged ? { privileged: true } : {}),
    ...(mounts.length > 0 ? { mounts } : {}),
    ...(node.network_mode === 'host' ? { network: 'host' as const } : {}),
    ...(node.pid === 'host' ? { pid: 'host' as const } : {}),
    ...(node.capabilities?.length ? { capabilities: [...new Set(node.capabilities.map(normaliseCapability))] } : {}),
  };
  return Object.keys(host).length > 0 ? host : undefined;
}

/** Single-quotes a string for /bin/sh. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Runs the commands in one shell, echoing each before it runs, stopping at the first failure. */
export function commandScript(commands: readonly string[]): string {
  const lines = ['set -e'];
  for (const command of commands) {
    lines.push(`printf '%s\\n' ${shellQuote(`$ ${command}`)}`, command);
  }
  return lines.join('\n');
}
