import type { AuditEntry, AuditKind } from '../../core/audit/audit-entry.js';

/** Which entries `list` returns. */
export interface AuditQuery {
  /** Only entries of these kinds. */
  kinds?: readonly AuditKind[];
  /** Only what this login (or `operator`) did. */
  actor?: string;
  buildId?: string;
  /** `owner/name`. */
  repo?: string;
  /** ISO time: entries at or after it. */
  since?: string;
  /** At most this many: the newest that match. */
  limit: number;
}

/**
 * Who did what, from where, kept for good: approval decisions (counted or not) and how
 * approvals were settled, cancellations, manual runs, re-runs, personal tokens made and
 * revoked, sign-ins and sign-outs.
 *
 * Callers: the approver `append`s as it decides, the receiver as it acts on a request
 * (services/receiver/audit-action.ts); admins `list` through the API (`GET /audit`, JSON lines). Entries never
 * expire and are never changed or removed. `list` gives them in the order they were
 * appended, oldest first. Must tolerate: an entry appended twice by a job run again (an
 * entry with an `id` already appended is ignored); concurrent appenders (each entry kept
 * once, in one order for every reader); a store restart.
 */
export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  list(query: AuditQuery): Promise<AuditEntry[]>;
}
