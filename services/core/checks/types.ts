/**
 * What Slipway shows on a pull request's Checks tab, as plain data: the core computes these
 * drafts from a build record, the reporter posts them through GitHub's Checks API.
 */

/** A check run's conclusion, as GitHub names them. */
export type CheckConclusion =
  'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';

export type CheckStatus = 'queued' | 'in_progress' | 'completed';

/** One annotation as GitHub takes it (`annotation_level` is one of these three). */
export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  /** Only when the annotation is on one line (GitHub refuses columns across lines). */
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
}

/** A button on a check run; clicking it sends a `check_run` `requested_action` event with `identifier`. */
export interface CheckAction {
  /** At most 20 characters. */
  label: string;
  /** At most 40 characters. */
  description: string;
  /** At most 20 characters. */
  identifier: CheckActionId;
}

/** The buttons Slipway offers: on a deploy waiting for approval, and on anything running. */
export type CheckActionId = 'approve' | 'reject' | 'cancel';

/** A check run as it should look on GitHub now. */
export interface CheckRunDraft {
  /** The run's name, equal to the stage's status context (`slipway/test`), so branch protection can require either. */
  name: string;
  headSha: string;
  /** The build it belongs to, GitHub's `external_id`. */
  externalId: string;
  detailsUrl: string;
  status: CheckStatus;
  /** Only when `status` is completed. */
  conclusion?: CheckConclusion;
  startedAt?: string;
  completedAt?: string;
  output: { title: string; summary: string };
  /** Every annotation of this run; the reporter sends them at most 50 per request. */
  annotations: CheckAnnotation[];
  actions: CheckAction[];
}

/** GitHub's limits on a check run's output. */
export const CHECK_LIMITS = {
  summary: 65_535,
  title: 255,
  annotationsPerRequest: 50,
  actions: 3,
  annotationMessage: 64 * 1024,
} as const;
