/**
 * The `.buildspec.yml` language as TypeScript types: what a document holds once the parser
 * has accepted it (schemas/buildspec.schema.json describes the same shape for editors).
 * docs/buildspec.md is the reference for people.
 */

/** The stages of a build, in the fixed order they run. */
export const STAGES = ['test', 'e2e', 'deploy'] as const;
export type StageName = (typeof STAGES)[number];

/** The events `when.events` can name. */
export const EVENTS = ['push', 'pull_request', 'manual'] as const;
export type SpecEvent = (typeof EVENTS)[number];

/** An environment variable value as written; the plan holds the string the shell sees. */
export type EnvValue = string | number | boolean;
export type SpecEnv = Record<string, EnvValue>;

/** A duration: `"90s"`, `"10m"`, `"1h30m"`, or a number of seconds. */
export type Duration = string | number;

export interface SpecResources {
  /** CPUs the step may use, e.g. `0.5` or `2`. */
  cpus?: number;
  /** Memory limit: `"512M"`, `"2G"` (binary units) or a number of bytes. */
  memory?: string | number;
}

export interface SpecPlacement {
  /** Swarm placement constraints as written for `docker service create --constraint`. */
  constraints?: string[];
  /** Node labels the node must carry: `{pool: board}` is `node.labels.pool==board`. */
  node_labels?: Record<string, EnvValue>;
}

/** Runs a step only for these branches (globs) and events; left out of the plan otherwise. */
export interface SpecWhen {
  branches?: string[];
  events?: SpecEvent[];
}

export type MatrixValue = string | number | boolean;

/** Expands a step into one step per combination of the axes' values. */
export interface SpecMatrix {
  axes: Record<string, MatrixValue[]>;
  /** Extra combinations, added after the exclusions. */
  include?: Array<Record<string, MatrixValue>>;
  /** Combinations to leave out: every combination matching all the keys of an entry. */
  exclude?: Array<Record<string, MatrixValue>>;
}

/**
 * Access to the host that Swarm services normally do not get. Refused unless the operator's
 * policy allows it for the repository (see SpecPolicy).
 */
export interface SpecHostAccess {
  privileged?: boolean;
  /** Host bind mounts: `/host/path:/container/path[:ro]`. */
  volumes?: string[];
}

/** One step as written in `.buildspec.yml`. */
export interface SpecStep extends SpecHostAccess {
  name: string;
  /** Required unless `defaults.image` is set. */
  image?: string;
  /** Exactly one of `commands` and `script`. */
  commands?: string[];
  script?: string;
  env?: SpecEnv;
  secrets?: string[];
  timeout?: Duration;
  retries?: number;
  when?: SpecWhen;
  allow_failure?: boolean;
  resources?: SpecResources;
  placement?: SpecPlacement;
  lock?: string;
  artifacts?: string[];
  /** JUnit XML files the step writes (globs relative to the workspace), parsed into test results. */
  reports?: string[];
  matrix?: SpecMatrix;
  /** A directory saved after the step succeeds and restored before it runs in later builds. */
  cache?: SpecCache;
  /**
   * Linux capabilities added to the step's container (Swarm's `CapabilityAdd`), as
   * `SYS_ADMIN` or `CAP_SYS_ADMIN`. Beyond Docker's defaults, refused unless the operator
   * allows each (SpecPolicy.allowCapabilities).
   */
  capabilities?: string[];
  network_mode?: 'host';
  pid?: 'host';
}

/**
 * A step's cache: `paths` saved under `key` after the step succeeds, restored before it runs
 * (the entry named `key`, else the newest whose key starts with a `restore_keys` prefix).
 * `key` and `restore_keys` are templates (core/buildspec/cache-templates.ts).
 */
export interface SpecCache {
  key: string;
  paths: string[];
  restore_keys?: string[];
}

/** A readiness check run inside a sidecar until it exits 0. */
export interface SpecReady {
  command: string;
  interval?: Duration;
  timeout?: Duration;
}

/** A service beside the e2e steps (a database, a browser), reachable by its name. */
export interface SpecSidecar extends SpecHostAccess {
  /** A DNS label: the host name the steps use to reach it. */
  name: string;
  image: string;
  env?: SpecEnv;
  command?: string[];
  ready?: SpecReady;
}

/** The application a manual test gate keeps up for people, published on a port of the swarm. */
export interface SpecManualApp {
  image: string;
  /** Arguments replacing the image's command (CMD). */
  command?: string[];
  env?: SpecEnv;
  /** The port the application listens on in its container. */
  port: number;
}

/**
 * A manual test gate: once the e2e steps pass, the sidecars and `app` stay up at a URL until
 * a person named in `people` passes or fails it, or `timeout` runs out (then it fails).
 */
export interface SpecManual {
  app: SpecManualApp;
  people?: { users?: string[]; teams?: string[] };
  instructions?: string;
  /** Default 4h. */
  timeout?: Duration;
}

/** The long form of a stage: its steps, and for e2e its sidecars and a manual test gate. */
export interface SpecStageObject {
  steps?: SpecStep[];
  services?: SpecSidecar[];
  manual?: SpecManual;
}

/** A stage: a list of steps, or the long form. */
export type SpecStage = SpecStep[] | SpecStageObject;

export interface SpecApproval {
  /** Default true: writing an approval block means asking for one. */
  required?: boolean;
  users?: string[];
  /** `org/team` slugs. */
  teams?: string[];
  count?: number;
  expires?: Duration;
  allow_self_approval?: boolean;
}

/** A deploy target: the branch that deploys to it, how, and who must approve. */
export interface SpecEnvironment {
  branch: string;
  url?: string;
  approval?: SpecApproval;
  lock?: string;
  steps?: SpecStep[];
}

/** The deploy stage's long form: plain steps, or named environments chosen by branch. */
export interface SpecDeployObject extends SpecStageObject {
  environments?: Record<string, SpecEnvironment>;
}

export type SpecDeployStage = SpecStep[] | SpecDeployObject;

/** Settings every step inherits; a step's own value wins (env and resources are merged). */
export interface SpecDefaults {
  image?: string;
  env?: SpecEnv;
  timeout?: Duration;
  resources?: SpecResources;
  retries?: number;
}

/** A named lock (capacity 1) or pool (capacity > 1). */
export interface SpecLock {
  capacity?: number;
}

/** A `.buildspec.yml` after parsing and validation. */
export interface BuildSpec {
  version?: number;
  defaults?: SpecDefaults;
  locks?: Record<string, SpecLock>;
  test?: SpecStage;
  e2e?: SpecStage;
  deploy?: SpecDeployStage;
}

/**
 * What the operator allows one repository's specs to do. Everything is refused unless
 * allowed; limits have defaults (DEFAULT_POLICY).
 */
export interface SpecPolicy {
  /** `privileged: true`. Swarm services cannot run privileged: the executor must refuse what it cannot do. */
  allowPrivileged?: boolean;
  /** `volumes:` host bind mounts (other than the Docker socket). */
  allowHostMounts?: boolean;
  /** `network_mode: host`. */
  allowHostNetwork?: boolean;
  /** A volume naming `/var/run/docker.sock`: root on the node. */
  allowDockerSocket?: boolean;
  /** `pid: host`. */
  allowHostPid?: boolean;
  /**
   * Capabilities a step may add beyond Docker's defaults (`capabilities:`), e.g. `["SYS_ADMIN"]`
   * for image builds with buildah; `"ALL"` allows every one. Written with or without `CAP_`.
   */
  allowCapabilities?: string[];
  /** Names of the secrets the operator provides; when given, any other name is refused. */
  knownSecrets?: string[];
  /** Most steps a build may have after matrix expansion (default 100). */
  maxSteps?: number;
  /** Most combinations one matrix may expand to (default 32). */
  maxMatrix?: number;
  /** Run fork pull requests without a maintainer's `/approve` first (default: they wait). */
  runForksWithoutApproval?: boolean;
  /**
   * The merge queue: the contexts that must be green before Slipway fast-forwards a base
   * branch, when branch protection names none (default: every context reported on the commit).
   */
  mergeRequiredContexts?: string[];
  /** The merge queue may rebase a stale branch of the repository itself (never a fork's). Default false. */
  mergeRebase?: boolean;
  /** A newer push to a pull request stops its older build (default true). */
  supersedePullRequests?: boolean;
  /**
   * A newer push to a branch an environment deploys stops the older build (default false:
   * every commit of master and production is tested; the newer deploy still overtakes).
   */
  supersedeEnvironmentBranches?: boolean;
}

/** One thing wrong with a spec: where it is and what to do about it. */
export interface SpecIssue {
  /** JSON pointer-like path in the document, e.g. `/test/0/image`; empty for the whole file. */
  path: string;
  /** 1-based line and column, when known. */
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}

export type SpecResult = { ok: true; spec: BuildSpec } | { ok: false; issues: SpecIssue[] };
