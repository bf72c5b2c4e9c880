import type { BuildRequest } from '../build/types.js';
import type { BuildSpec, SpecStep } from '../spec/types.js';
import { STAGES } from '../spec/types.js';
import { buildIdFor, buildObjectNames, slug } from './naming.js';
import type { Plan, PlanStep } from './types.js';

/** Where a build's source is checked out, in every step. */
export const WORKSPACE = '/workspace';

export interface CompileOptions {
  /** Image with git and a shell, used to check the source out. */
  gitImage: string;
  /** Default time limit of one step, when the spec sets none. */
  stepTimeoutMs?: number;
  /** Default time limit of a whole build. */
  buildTimeoutMs?: number;
}

const HOUR = 3_600_000;

/** The fields every step has, before the spec's own settings. */
export function stepDefaults(timeoutMs: number): Omit<PlanStep, 'key' | 'name' | 'stage' | 'image' | 'script'> {
  return { env: {}, secrets: [], timeoutMs, retries: 0, allowFailure: false, resources: {}, placement: [], locks: [], artifacts: [] };
}

/** Compiles a valid spec and a request into the plan the executor runs. Pure. */
export function compilePlan(spec: BuildSpec, request: BuildRequest, options: CompileOptions): Plan {
  const buildId = buildIdFor(request.id);
  const keys = new Set<string>(['checkout']);
  const stages = STAGES.filter((s) => spec[s] !== undefined).map((name) => ({
    name,
    steps: (spec[name] ?? []).map((step) => compileStep(name, step, uniqueKey(step.name, keys), options.stepTimeoutMs ?? HOUR)),
    sidecars: [],
  }));
  return {
    buildId,
    request,
    ...buildObjectNames(buildId),
    checkout: {
      ...stepDefaults(10 * 60_000),
      key: 'checkout',
      name: 'checkout',
      stage: 'checkout',
      image: options.gitImage,
      script: checkoutScript(request.cloneUrl, request.sha),
      retries: 2,
    },
    stages,
    timeoutMs: options.buildTimeoutMs ?? 3 * HOUR,
  };
}

/** Step names are unique, but their slugs need not be ("Unit" and "unit"): number the later ones. */
function uniqueKey(name: string, taken: Set<string>): string {
  const base = slug(name) || 'step';
  let key = base;
  for (let n = 2; taken.has(key); n++) key = `${base}-${n}`;
  taken.add(key);
  return key;
}

function compileStep(stage: PlanStep['stage'], step: SpecStep, key: string, timeoutMs: number): PlanStep {
  return {
    ...stepDefaults(timeoutMs),
    key,
    name: step.name,
    stage,
    image: step.image,
    script: commandScript(step.commands),
    env: Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, String(v)])),
  };
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

function checkoutScript(cloneUrl: string, sha: string): string {
  return commandScript([
    `git clone --quiet --no-checkout ${shellQuote(cloneUrl)} ${WORKSPACE}`,
    `git -C ${WORKSPACE} -c advice.detachedHead=false checkout --quiet ${shellQuote(sha)}`,
    `git -C ${WORKSPACE} log -1 --format='checked out %H: %s'`,
  ]);
}
