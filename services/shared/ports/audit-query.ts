import type { AuditEntry } from '../../core/audit/audit-entry.js';
import type { AuditQuery } from './audit-log.js';

/** Whether an entry is one a query asks for (its `limit` aside): shared by every AuditLog. */
export function matchesAudit(entry: AuditEntry, query: AuditQuery): boolean {
  if (query.buildId !== undefined && entry.buildId !== query.buildId) return false;
  if (query.repo !== undefined && entry.repo !== query.repo) return false;
  if (query.kinds !== undefined && !query.kinds.includes(entry.kind)) return false;
  if (query.actor !== undefined && entry.actor !== query.actor) return false;
  return query.since === undefined || Date.parse(entry.at) >= Date.parse(query.since);
}
