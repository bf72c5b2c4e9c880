import type { BuildRequest } from '../builds/types.js';
import { branchOf, environmentsOf, servicesOf, stepsOf } from '../buildspec/spec-parts.js';
import { parseDuration } from '../buildspec/parse-duration.js';
import type { BuildSpec, SpecEnvironment, SpecStep, StageName } from '../buildspec/types.js';
import { STAGES } from '../buildspec/types.js';
import {
  commandScript,
  compileSidecar,
  compileStep,
  lockClaims,
  shellQuote,
  type StepContext,
} from './compile-step.js';
import { cacheScope } from './cache-scope.js';
import { splitCloneUrl } from './clone-url.js';
import { hashFilesCalls, hashId } from '../buildspec/cache-templates.js';
import { hashFilesScript } from './hash-files-script.js';
import { compileManual } from './compile-manual.js';
import { matchesWhen } from './match-when.js';
import { buildIdFor, buildObjectNames } from './naming.js';
import type { Plan, PlanEnvironment, PlanStage, PlanStep } from './types.js';

export { commandScript, shellQuote } from './compile-step.js';

/** Where a build's source is checked out, in every step. */
export const WORKSPACE = '/workspace';

export interface CompileOptions {
  /** Image with git and a shell, used to check the source out. */
  gitImage: string;
  /** Default time limit of one step, when neither the step nor the spec's defaults set one. */
  stepTimeoutMs?: number;
  /** Default time limit of a whole build. */
  buildTimeoutMs?: number;
  /** The checkout authenticates with the token in the Docker secret `GIT_TOKEN_SECRET` (private repositories). */
  gitCredentials?: boolean;
}

/** Name of the Docker secret holding the token the checkout clones with. */
export const GIT_TOKEN_SECRET = 'slipway-git-token';
/** Name of the Docker secret holding the credentials a clone URL carried (git's credential format). */
export const CLONE_CREDENTIALS_SECRET = 'slipway-clone-credentials';

const HOUR = 3_600_000;
/** How long a deploy waits for approval when the spec does not say. */
const APPROVAL_EXPIRES_MS = 24 * HOUR;
/** Events whose builds may deploy to an environment: never a pull request's. */
const DEPLOYING_EVENTS = new Set(['push', 'manual']);

/** The fields every step has, before the spec's own settings. */
export function stepDefaults(timeoutMs: number): Omit<PlanStep, 'key' | 'name' | 'stage' | 'image' | 'script'> {
  return {
    env: {},
    secrets: [],
    timeoutMs,
    retries: 0,
    allowFailure: false,
    resources: {},
    placement: [],
    locks: [],
    artifacts: [],
  };
}

/**
 * Compiles a valid spec and a request into the plan the executor runs. Pure. Decides
 * everything that depends on the request: steps whose `when` does not match are left out
 * (and stages left without steps), and the deploy stage is the environment whose branch is
 * the branch built (none for other branches, tags and pull requests).
 */
export function compilePlan(spec: BuildSpec, request: BuildRequest, options: CompileOptions): Plan {
  const buildId = buildIdFor(request.id);
  const keys = new Set<string>(['checkout']);
  const context = (stage: StageName, env?: Record<string, string>): StepContext => ({
    stage,
    defaults: spec.defaults ?? {},
    locks: spec.locks ?? {},
    keys,
    timeoutMs: options.stepTimeoutMs ?? HOUR,
    build: { sha: request.sha },
    cacheScope: cacheScope(request, spec),
    ...(env ? { env } : {}),
  });
  const compileSteps = (steps: SpecStep[], ctx: StepContext) =>
    steps.filter((s) => matchesWhen(s.when, request)).flatMap((s) => compileStep(s, ctx));

  const stages: PlanStage[] = [];
  let notDeployed: Plan['notDeployed'];
  for (const name of STAGES) {
    const stage = spec[name];
    if (stage === undefined) continue;
    const environments = name === 'deploy' ? environmentsOf(spec.deploy) : undefined;
    if (environments) {
      const chosen = chooseEnvironment(environments, request);
      if (!chosen) continue;
      const [envName, env] = chosen;
      if (request.forced) {
        notDeployed = { stage: `deploy/${envName}`, reason: FORCED };
        continue;
      }
      const steps = compileSteps(env.steps ?? [], context(name, environmentEnv(envName, env)));
      if (steps.length > 0)
        stages.push({ name, steps, sidecars: [], environment: planEnvironment(envName, env, spec) });
      continue;
    }
    if (name === 'deploy' && !deploys(request)) {
      if (request.forced) notDeployed = { stage: 'deploy', reason: FORCED };
      continue;
    }
    const steps = compileSteps(stepsOf(stage), context(name));
    const manual = name === 'e2e' ? manualOf(spec.e2e) : undefined;
    if (steps.length > 0)
      stages.push({
        name,
        steps,
        sidecars: name === 'e2e' ? servicesOf(spec.e2e).map((s) => compileSidecar(s, { sha: request.sha })) : [],
        ...(manual ? { manual: compileManual(manual, { sha: request.sha }) } : {}),
      });
  }
  if (request.params) {
    // A manual run's parameters win over the spec's env: passing them is the point of the run.
    for (const stage of stages) for (const step of stage.steps) step.env = { ...step.env, ...request.params };
  }
  if (request.secretParams?.length) {
    // Secret parameters are delivered like secrets (a file each, exported under its name), never as env.
    for (const stage of stages)
      for (const step of stage.steps) step.secrets = [...new Set([...step.secrets, ...request.secretParams])];
  }
  const checkout = checkoutSecret(request.cloneUrl, options.gitCredentials === true);
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
      script: withFileHashes(checkoutScript(request.cloneUrl, request.sha, checkout), stages),
      secrets: checkout ? [checkout] : [],
      retries: 2,
    },
    stages,
    timeoutMs: options.buildTimeoutMs ?? 3 * HOUR,
    ...(notDeployed ? { notDeployed } : {}),
  };
}

function manualOf(stage: BuildSpec['e2e']) {
  return Array.isArray(stage) ? undefined : stage?.manual;
}

const FORCED = 'a forced push is not a fast-forward: tested, not deployed';

/** Only pushes and manual builds deploy, never a forced push, a pull request or a fork's build. */
function deploys(request: BuildRequest): boolean {
  return DEPLOYING_EVENTS.has(request.event) && !request.forced && !request.fork;
}

/** The environment whose branch is the branch built, for a push or a manual build. */
function chooseEnvironment(
  environments: Record<string, SpecEnvironment>,
  request: BuildRequest,
): [string, SpecEnvironment] | undefined {
  if (!DEPLOYING_EVENTS.has(request.event) || request.fork) return undefined;
  const branch = branchOf(request.ref);
  return Object.entries(environments).find(([, env]) => branch !== undefined && env.branch === branch);
}

/** What a deploy step learns about where it deploys. */
function environmentEnv(name: string, env: SpecEnvironment): Record<string, string> {
  return { SLIPWAY_ENVIRONMENT: name, ...(env.url ? { SLIPWAY_ENVIRONMENT_URL: env.url } : {}) };
}

/** The plan of an environment: its URL, approval rules and locks (also read by the merge queue for promotions). */
export function planEnvironment(name: string, env: SpecEnvironment, spec: BuildSpec): PlanEnvironment {
  const approval = env.approval;
  return {
    name,
    ...(env.url ? { url: env.url } : {}),
    ...(approval && approval.required !== false
      ? {
          approval: {
            required: true,
            users: [...(approval.users ?? [])],
            teams: [...(approval.teams ?? [])],
            count: approval.count ?? 1,
            expiresMs: parseDuration(approval.expires) ?? APPROVAL_EXPIRES_MS,
            allowSelfApproval: approval.allow_self_approval ?? false,
          },
        }
      : {}),
    locks: lockClaims(env.lock, spec.locks ?? {}),
  };
}

/**
 * Clones the repository at the commit, from the clone URL without its credentials (so none
 * lands in `/workspace/.git/config`). Credentials come from a helper that reads a secret's
 * file when the server asks: the clone URL's own (`CLONE_CREDENTIALS_SECRET`, from a rewrite
 * rule) or else the token (`GIT_TOKEN_SECRET`). Git asks it only for the clone URL's own
 * scheme, host and port (`credential.<origin>.helper`), and it answers only `get`: a redirect
 * to another host is never given them. Nothing secret is in the command, the service's
 * environment or the log.
 */
function checkoutScript(cloneUrl: string, sha: string, secret: string | undefined): string {
  const { url, origin } = splitCloneUrl(cloneUrl);
  const answer =
    secret === CLONE_CREDENTIALS_SECRET
      ? `cat /run/secrets/${secret}`
      : `echo username=x-access-token; echo "password=$(cat /run/secrets/${GIT_TOKEN_SECRET})"`;
  const helper =
    secret && origin
      ? `-c ${shellQuote(`credential.${origin}.helper=!f() { [ "$1" = get ] || exit 0; ${answer}; }; f`)} `
      : '';
  return commandScript([
    `git ${helper}clone --quiet --no-checkout ${shellQuote(url)} ${WORKSPACE}`,
    `git -C ${WORKSPACE} -c advice.detachedHead=false checkout --quiet ${shellQuote(sha)}`,
    `git -C ${WORKSPACE} log -1 --format='checked out %H: %s'`,
  ]);
}

/** The checkout, then the hashes the steps' cache keys name (`hashFiles`), printed for the executor. */
function withFileHashes(script: string, stages: readonly PlanStage[]): string {
  const lists = new Map<string, string[]>();
  for (const step of stages.flatMap((s) => s.steps)) {
    if (!step.cache?.scope) continue;
    for (const template of [step.cache.key, ...step.cache.restoreKeys])
      for (const globs of hashFilesCalls(template)) lists.set(hashId(globs), globs);
  }
  return lists.size === 0 ? script : `${script}\n${hashFilesScript([...lists.values()], WORKSPACE)}`;
}

/** The secret the checkout's credential helper reads, if any: the clone URL's credentials, else the token. */
function checkoutSecret(cloneUrl: string, gitCredentials: boolean): string | undefined {
  if (splitCloneUrl(cloneUrl).credentials) return CLONE_CREDENTIALS_SECRET;
  return gitCredentials ? GIT_TOKEN_SECRET : undefined;
}
