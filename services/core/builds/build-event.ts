import type { BuildSummary } from './build-summary.js';
import type { RunState } from './types.js';

export type BuildEventKind = 'build' | 'stage' | 'step' | 'approval';

/** Every kind, for filters. */
export const BUILD_EVENT_KINDS: readonly BuildEventKind[] = ['build', 'stage', 'step', 'approval'];

/**
 * One change of a build record, as the event feed (`GET /api/v1/events`), the dashboard's
 * live list and outgoing webhooks carry it. Plain data.
 */
export interface BuildEvent {
  /** Monotonic and opaque: the SSE `id:` and what `Last-Event-ID` resumes after (a Redis stream id in Redis). */
  id: string;
  kind: BuildEventKind;
  buildId: string;
  /** `owner/name`. */
  repo: string;
  /** ISO time of the change. */
  at: string;
  /** The new state of the build, stage or step; for `approval`, of the build. */
  state?: RunState;
  /** The stage's name (`stage`, `step` of a stage, `approval`: the environment). */
  stage?: string;
  /** The step's key (`step`). */
  step?: string;
  /** For `approval`: the approval's state and the decision just recorded, when one was. */
  approval?: {
    environment: string;
    state: string;
    decision?: { user: string; decision: 'approve' | 'reject'; counted: boolean; at: string };
  };
  /** The build after the change. */
  build: BuildSummary;
}

/** An event before the store gave it its id. */
export type NewBuildEvent = Omit<BuildEvent, 'id'>;
