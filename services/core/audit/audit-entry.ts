import type { ApprovalDecision, ApprovalState } from '../approval/approval.js';
import type { Scope } from '../auth/principal.js';
import type { GateDecision, GateState } from '../gate/manual-gate.js';

/** Where a request came from, as the receiver saw it. */
export interface RequestOrigin {
  /** The client's address (the socket's, or the proxy's `X-Forwarded-For` when the operator trusts it). */
  ip: string;
  userAgent: string;
  /** How the person was known: a browser session, a personal token, the operator's token, a comment. */
  via: 'session' | 'token' | 'operator' | 'comment' | 'slipway' | 'check_run';
}

/** What every audit entry says: when, about what, and who acted from where. */
interface AuditBase {
  /**
   * Unique per event, when the writer can name one (the job that made it): an entry whose id
   * was appended before is not appended again.
   */
  id?: string;
  /** ISO time of the event. */
  at: string;
  /** The build it is about, when it is about one. */
  buildId?: string;
  /** `owner/name`, when it is about a repository. */
  repo?: string;
  /** The GitHub login that acted, `operator` (the API token), or `slipway` for what Slipway did by itself. */
  actor: string;
  from?: RequestOrigin;
}

/**
 * One entry of the audit trail: pure data, kept for good, never changed. A new kind is added
 * here and written where the action happens (services/receiver/audit-action.ts for requests).
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
    })
  | (AuditBase & {
      kind: 'gate-decision';
      /** The stage held for the manual test (`e2e`). */
      stage: string;
      decision: GateDecision['decision'];
      via: GateDecision['via'];
      counted: boolean;
      reason?: string;
      why?: string;
    })
  | (AuditBase & { kind: 'gate-settled'; stage: string; state: Exclude<GateState, 'pending'> })
  | (AuditBase & { kind: 'cancel'; reason: string })
  | (AuditBase & {
      kind: 'manual-run';
      sha: string;
      ref: string;
      /** Parameter names only; values may be secret. */
      params: string[];
      secretParams: string[];
    })
  | (AuditBase & {
      kind: 'rerun';
      /** The build re-run; `buildId` is the new one. */
      of: string;
      failedOnly: boolean;
      stage?: string;
      /** What asked: the API, the CLI, the dashboard, a check run or suite re-requested on GitHub. */
      via?: 'api' | 'cli' | 'dashboard' | 'check_suite' | 'check_run';
    })
  | (AuditBase & { kind: 'token-created'; tokenId: string; name: string; scopes: Scope[] })
  | (AuditBase & { kind: 'token-revoked'; tokenId: string })
  | (AuditBase & { kind: 'sign-in' | 'sign-out' })
  | (AuditBase & {
      kind: 'merge-queue';
      /** Queued by a person, refused, taken out (by a person or by Slipway), or merged by fast-forward. */
      event: 'queued' | 'refused' | 'removed' | 'merged';
      pullRequest: number;
      base: string;
      sha: string;
      reason?: string;
    });

export type AuditKind = AuditEntry['kind'];

/** Every kind, for filters. */
export const AUDIT_KINDS: readonly AuditKind[] = [
  'approval-decision',
  'approval-settled',
  'gate-decision',
  'gate-settled',
  'cancel',
  'manual-run',
  'rerun',
  'token-created',
  'token-revoked',
  'sign-in',
  'sign-out',
  'merge-queue',
];
