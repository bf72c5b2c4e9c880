import type { AuditEntry } from '../../core/audit/audit-entry.js';
import type { AuditLog, AuditQuery } from '../ports/audit-log.js';
import { matchesAudit } from '../ports/audit-query.js';

/** The audit trail in this process's memory. */
export class MemoryAuditLog implements AuditLog {
  private readonly entries: AuditEntry[] = [];
  private readonly ids = new Set<string>();

  async append(entry: AuditEntry): Promise<void> {
    if (entry.id !== undefined) {
      if (this.ids.has(entry.id)) return;
      this.ids.add(entry.id);
    }
    this.entries.push(structuredClone(entry));
  }

  async list(query: AuditQuery): Promise<AuditEntry[]> {
    const matching = this.entries.filter((entry) => matchesAudit(entry, query));
    return matching.slice(Math.max(0, matching.length - query.limit)).map((entry) => structuredClone(entry));
  }
}
