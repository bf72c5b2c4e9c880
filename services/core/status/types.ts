/** A commit status as GitHub takes it. */
export interface CommitStatus {
  context: string;
  state: 'pending' | 'success' | 'failure' | 'error';
  /** At most 140 characters. */
  description: string;
  target_url?: string;
}

/** Something that happened to one stage of a build; the reporter turns it into a status. */
export type StageEvent =
  | { stage: string; state: 'queued' }
  | { stage: string; state: 'running' }
  /** `held`: its steps ran and it is held for people (a manual test), so it ranks after `running`. */
  | { stage: string; state: 'waiting'; reason: string; held?: boolean }
  | { stage: string; state: 'cancelled'; reason: string }
  /** Not run on purpose (a rejected approval, a forced push not deployed); `reason` is the whole description. */
  | { stage: string; state: 'refused'; reason: string }
  | { stage: string; state: 'verified'; verified: boolean; reason: string }
  /** A check about the commit rather than a stage: `slipway/up-to-date`. */
  | { stage: string; state: 'check'; result: 'success' | 'failure'; reason: string }
  /** `reason`, when given, is the whole description (a manual test passed by someone). */
  | { stage: string; state: 'success'; steps: number; durationMs: number; reason?: string }
  | { stage: string; state: 'failure'; step: string; stepKey: string; exitCode: number; reason?: string }
  | { stage: string; state: 'error'; reason: string; step?: string; stepKey?: string }
  | { stage: string; state: 'skipped'; blockedBy: string; blockedState: 'failure' | 'error' };

/** A spec that could not be used: missing, unreadable or invalid. */
export interface SpecEvent {
  stage: 'spec';
  state: 'failure' | 'error';
  summary: string;
}
