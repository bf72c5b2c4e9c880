import type { AuditEntry } from '../../core/audit/audit-entry.js';

/** Which entries `list` returns. */
export interface AuditQuery {
  buildId?: string;
  /** `owner/name`. */
  repo?: string;
  /** ISO time: entries at or after it. */
  since?: string;
  /** At most this many: the newest that match. */
  limit: number;
}

/**
 * Who did what, kept for good: approval decisions (counted or not) and how approvals were
 * settled; the identity work adds sign-ins and permission changes.
 *
 * Callers: the approver `append`s as it decides; the API and dashboard `list`. Entries never
 * expire and are never changed or removed. `list` gives them in the order they were
 * appended, oldest first. Must tolerate: an entry appended twice by a job run again (an
 * entry with an `id` already appended is ignored); concurrent appenders (each entry kept
 * once, in one order for every reader); a store restart.
 */
export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  list(query: AuditQuery): Promise<AuditEntry[]>;
}
