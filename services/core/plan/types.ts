import type { BuildRequest } from '../builds/types.js';
import type { StageName } from '../buildspec/types.js';

/** A named lock (capacity 1) or a slot of a named pool (capacity > 1), held while a step or deploy runs. */
export interface LockClaim {
  name: string;
  capacity: number;
}

/**
 * Host access a step or sidecar asks for and the operator's policy allowed for the
 * repository (the parser refuses it otherwise). Absent when none is asked for. The executor
 * must refuse to run what it cannot give (Swarm services cannot run privileged), never run
 * it without: a step that asked for the Docker socket and did not get it fails in confusing ways.
 */
export interface PlanHostAccess {
  privileged?: boolean;
  /** Host bind mounts. */
  mounts?: Array<{ source: string; target: string; readOnly: boolean }>;
  network?: 'host';
  pid?: 'host';
  /**
   * Linux capabilities to add, `CAP_`-prefixed (`CAP_SYS_ADMIN`): the service's
   * `ContainerSpec.CapabilityAdd` (Engine API 1.41+). Only on steps.
   */
  capabilities?: string[];
}

/** One step, ready to run: everything the executor needs, nothing it must look up. */
export interface PlanStep {
  /** Unique in the build; used in URLs, log keys and Swarm names. */
  key: string;
  /** Readable and unique in the build; a matrix step's name carries its combination: `unit (node: 20, db: pg)`. */
  name: string;
  stage: StageName | 'checkout';
  image: string;
  /** The script run by `/bin/sh -c` in the workspace. */
  script: string;
  env: Record<string, string>;
  /**
   * Names of operator-provided secrets, delivered as Docker secrets (files under /run/secrets/),
   * never as env in the service spec.
   */
  secrets: string[];
  /** Time limit for one attempt. */
  timeoutMs: number;
  /** Extra attempts after an infrastructure error (never after a non-zero exit). */
  retries: number;
  /** A failure of this step does not fail its stage. */
  allowFailure: boolean;
  resources: { cpus?: number; memoryBytes?: number };
  /** Swarm placement constraints, e.g. `node.labels.gpu==true`. */
  placement: string[];
  locks: LockClaim[];
  /** Paths (relative to the workspace) kept for later stages and for download. */
  artifacts: string[];
  /**
   * Optional: globs (relative to the workspace, normalised like artifacts) of the JUnit XML
   * files the step writes, read after it ends. Absent when the step names none.
   */
  reports?: string[];
  /** Optional: the step's cache (`cache:`), its key templates left with their `hashFiles(...)`. */
  cache?: PlanCache;
  /** The matrix combination this step was expanded from, if any. */
  matrix?: Record<string, string>;
  /** Optional, added with the spec language: host access the operator allowed (see PlanHostAccess). */
  host?: PlanHostAccess;
}

/**
 * A step's cache as the executor uses it: restored before the step's commands, saved after it
 * succeeds. `key` and `restoreKeys` have `${{ build.* }}` and `${{ matrix.* }}` filled in; their
 * `${{ hashFiles(...) }}` are filled in by the executor from the checkout's hashes.
 */
export interface PlanCache {
  key: string;
  restoreKeys: string[];
  /** Relative to the workspace, normalised like artifacts. */
  paths: string[];
  /** The store's scope: the repository, `owner/name` (its limits count all its refs). Absent when `refused`. */
  scope?: string;
  /**
   * The ref the step saves under: the build's own (`refs/heads/B`, `refs/pull/N/head`). Absent
   * when `refused`, and in plans compiled before caches were kept per ref (those use none).
   */
  ref?: string;
  /** The refs it restores from, in order: its own, a pull request's base branch, the default branch. */
  reads?: string[];
  /** Why this build uses no cache at all (a pull request from a fork), for the step's log. */
  refused?: string;
}

/** Which caches a build's steps use (`cacheScope`), or why they use none. */
export type CacheAccess = { scope: string; ref: string; reads: string[] } | { refused: string };

/** A service an e2e stage's steps talk to (a database, a browser), reachable by its key on the build's network. */
export interface PlanSidecar {
  key: string;
  name: string;
  image: string;
  env: Record<string, string>;
  /** Replaces the image's command when given. */
  command?: string[];
  /** A shell command run in the sidecar until it exits 0; the stage starts when it does. */
  ready?: { command: string; intervalMs: number; timeoutMs: number };
  /** Optional, added with the spec language: host access the operator allowed (see PlanHostAccess). */
  host?: PlanHostAccess;
}

/** Where and how a deploy stage deploys. */
export interface PlanEnvironment {
  name: string;
  url?: string;
  approval?: {
    required: boolean;
    users: string[];
    teams: string[];
    count: number;
    expiresMs: number;
    allowSelfApproval: boolean;
  };
  locks: LockClaim[];
}

/**
 * A manual test gate (`manual:` of the e2e stage): once the stage's steps pass, its sidecars
 * and `app` stay up, `app` published on a port of the swarm, until a person passes or fails
 * the test or `timeoutMs` runs out. The build holds no worker meanwhile.
 */
export interface PlanManualGate {
  /** The application people test: a service on the build's network with the workspace at /workspace. */
  app: {
    key: string;
    name: string;
    image: string;
    env: Record<string, string>;
    /** Replaces the image's command when given. */
    command?: string[];
    /** The port it listens on inside its container; Swarm publishes it on a port of the node. */
    port: number;
  };
  /** Who may pass or fail it (users, `org/team` slugs); nobody named: anyone with maintain permission. */
  people: { users: string[]; teams: string[] };
  /** What to try, for the people testing (shown on the build page and in the API). */
  instructions?: string;
  timeoutMs: number;
}

export interface PlanStage {
  name: StageName;
  steps: PlanStep[];
  sidecars: PlanSidecar[];
  /** Only on an e2e stage with `manual:`: the stage is held for a person after its steps pass. */
  manual?: PlanManualGate;
  /** Only on a deploy stage: the environment this build deploys to. */
  environment?: PlanEnvironment;
}

/**
 * What a build will do, as plain JSON: compiled from a spec and a request by the planner,
 * run by the executor. Printing it shows what a spec becomes without running anything.
 */
export interface Plan {
  buildId: string;
  request: BuildRequest;
  /** Per-build Swarm objects. */
  network: string;
  volume: string;
  /** Clones the repository at the commit into the workspace before any stage. */
  checkout: PlanStep;
  stages: PlanStage[];
  /** Build-wide time limit. */
  timeoutMs: number;
  /** Set when the spec deploys this branch but this build may not (a forced push): which stage, and why. */
  notDeployed?: { stage: string; reason: string };
  /** Set when the build may not run at all before someone approves it (a fork's pull request). */
  runApproval?: NonNullable<PlanEnvironment['approval']>;
}

/** The gate a build whose run needs approval passes, named like an environment. */
export const FORK_RUN = 'fork-run';
