import type { ApprovalRequest } from '../approval/approval.js';
import type { GateRequest } from '../gate/manual-gate.js';
import type { SpecIssue } from '../buildspec/types.js';
import type { TestSummary } from '../reports/types.js';
import type { CheckAnnotation } from '../checks/types.js';
import type { BuildRequest, RunState } from './types.js';

/** One step's progress, as shown by the API. */
export interface StepRecord {
  key: string;
  name: string;
  state: RunState;
  image: string;
  exitCode?: number;
  /** Why a step could not run (infrastructure), in words a person understands. */
  reason?: string;
  /** The Swarm service that ran it (its latest attempt). */
  service?: string;
  /** The step may fail without failing its stage (`allow_failure` in the spec). */
  allowFailure?: boolean;
  /** The Swarm node its latest attempt ran on (the node's hostname), when the backend says. */
  node?: string;
  /** 1 for the first run; more when an infrastructure error was retried. */
  attempt?: number;
  startedAt?: string;
  finishedAt?: string;
  /** What it wrote to `$SLIPWAY_ANNOTATIONS` (`path:line:col: level: message`), as check run annotations. */
  annotations?: CheckAnnotation[];
  /** What its `reports:` (JUnit XML) said, read after it ran: counts, failures, the slowest tests. */
  tests?: TestSummary;
  /** What its `cache:` did: the key, the entry restored, what the save did. */
  cache?: StepCacheRecord;
  /**
   * The checkout's only: the sha-256 of the files the steps' cache keys name (`hashFiles`), by
   * the glob list (`hashId`), empty when nothing matched.
   */
  fileHashes?: Record<string, string>;
}

/** A step's cache as it went (the step's log says the same in words). */
export interface StepCacheRecord {
  /** The key, its templates filled in. */
  key: string;
  /**
   * The entry restored before the step: by its key (`prefix` absent), or by a restore key's
   * prefix; `ref`, the ref it was saved under (absent in records from before caches were kept per ref).
   */
  restored?: { key: string; prefix?: string; ref?: string };
  /** After a success: saved, not saved since the key exists, too large, nothing to save, or it failed (logged). */
  saved?: 'saved' | 'exists' | 'too-large' | 'nothing' | 'failed';
  /** Why the step used no cache (a pull request from a fork). */
  off?: string;
}

/** A service a stage's steps talk to (a database …), and whether it answered its readiness check. */
export interface SidecarRecord {
  name: string;
  state: 'starting' | 'ready' | 'failed';
}

export interface StageRecord {
  name: string;
  /** A deploy stage's environment (`deploy/staging` in statuses and check runs). */
  environment?: string;
  state: RunState;
  /** What the stage waits for ("Waiting: for lock …") or why it ended as it did. */
  description?: string;
  steps: StepRecord[];
  /** The stage's sidecars, once it starts them. */
  sidecars?: SidecarRecord[];
}

/** A build as the API serves it: written by the planner, then updated by the executor. */
export interface BuildRecord {
  id: string;
  request: BuildRequest;
  state: RunState;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Set when the spec could not be used; the build then runs nothing. */
  specIssues?: SpecIssue[];
  specError?: string;
  /** The spec's text (its first 64,000 characters) when it has problems, to show them against its lines. */
  specSource?: string;
  checkout?: StepRecord;
  stages: StageRecord[];
  /** A deploy that needs people's approval: what it needs, and every decision with who and when. */
  approval?: ApprovalRequest;
  /** A stage held for a manual test: where its application is, who may decide, every decision. */
  gate?: GateRequest;
  /** A re-run: the build it repeats, and the steps it runs again (all when absent). */
  rerunOf?: { buildId: string; steps?: string[] };
}
