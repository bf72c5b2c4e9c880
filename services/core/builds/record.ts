import type { ApprovalRequest } from '../approval/approval.js';
import type { SpecIssue } from '../buildspec/types.js';
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
  /** 1 for the first run; more when an infrastructure error was retried. */
  attempt?: number;
  startedAt?: string;
  finishedAt?: string;
  /** The Swarm node the step ran on, when the executor recorded it. */
  node?: string;
}

export interface StageRecord {
  name: string;
  /** A deploy stage's environment (`deploy/staging` in statuses and check runs). */
  environment?: string;
  state: RunState;
  description?: string;
  steps: StepRecord[];
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
  checkout?: StepRecord;
  stages: StageRecord[];
  /** A deploy that needs people's approval: what it needs, and every decision with who and when. */
  approval?: ApprovalRequest;
}
