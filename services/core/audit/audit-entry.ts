import type { ApprovalDecision, ApprovalState } from '../approval/approval.js';

/** What every audit entry says: when, about which build of which repository, and who acted. */
interface AuditBase {
  /**
   * Unique per event, when the writer can name one (the job that made it): an entry whose id
   * was appended before is not appended again.
   */
  id?: string;
  /** ISO time of the event. */
  at: string;
  buildId: string;
  /** `owner/name`. */
  repo: string;
  /** The GitHub login that acted, or `slipway` for what Slipway did by itself (an expiry). */
  actor: string;
}

/**
 * One entry of the audit trail: pure data, kept for good. Kinds are added as more is
 * recorded (sign-ins and permission changes come with the identity work).
 */
export type AuditEntry =
  | (AuditBase & {
      kind: 'approval-decision';
      environment: string;
      decision: ApprovalDecision['decision'];
      via: ApprovalDecision['via'];
      counted: boolean;
      /** Why the decision did not count, when it did not. */
      why?: string;
    })
  | (AuditBase & {
      kind: 'approval-settled';
      environment: string;
      state: Exclude<ApprovalState, 'pending'>;
    });
