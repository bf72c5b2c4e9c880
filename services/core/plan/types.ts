import type { BuildRequest } from '../build/types.js';
import type { StageName } from '../spec/types.js';

/** One step, ready to run: everything the executor needs, nothing it must look up. */
export interface PlanStep {
  /** Unique in the build; used in URLs, log keys and Swarm names. */
  key: string;
  name: string;
  stage: StageName | 'checkout';
  image: string;
  /** The script run by `/bin/sh -c`. */
  script: string;
  env: Record<string, string>;
}

export interface PlanStage {
  name: StageName;
  steps: PlanStep[];
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
}
