import type { Redis } from 'ioredis';
import type { AuditEntry } from '../../core/audit/audit-entry.js';
import type { AuditLog, AuditQuery } from '../ports/audit-log.js';
import { matchesAudit } from '../ports/audit-query.js';
import { KEYS } from './keys.js';

/**
 * Appends an entry to the whole trail and to its build's and repository's (those it has),
 * under one stream id, unless its id was appended before.
 * KEYS: ids set, trail, then the build's and repository's it has. ARGV: the entry's id ('' for none), the entry (JSON).
 */
const APPEND = `
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
local id = redis.call('XADD', KEYS[2], '*', 'entry', ARGV[2])
for i = 3, #KEYS do redis.call('XADD', KEYS[i], id, 'entry', ARGV[2]) end
return 1
`;

const PAGE = 200;
/** Stream ids carry Redis's clock, entries the writer's: read this much before `since`. */
const CLOCK_SLACK_MS = 10 * 60_000;

/** The audit trail in Redis streams, which are append-only and never expire. */
export class RedisAuditLog implements AuditLog {
  constructor(private readonly redis: Redis) {}

  async append(entry: AuditEntry): Promise<void> {
    const indexes = [
      ...(entry.buildId !== undefined ? [KEYS.auditOfBuild(entry.buildId)] : []),
      ...(entry.repo !== undefined ? [KEYS.auditOfRepo(entry.repo)] : []),
    ];
    const keys = [KEYS.auditIds, KEYS.audit, ...indexes];
    await this.redis.eval(APPEND, keys.length, ...keys, entry.id ?? '', JSON.stringify(entry));
  }

  /** Reads the narrowest stream newest first, a page at a time, until `limit` entries match. */
  async list(query: AuditQuery): Promise<AuditEntry[]> {
    const key = query.buildId
      ? KEYS.auditOfBuild(query.buildId)
      : query.repo
        ? KEYS.auditOfRepo(query.repo)
        : KEYS.audit;
    const min = query.since ? String(Math.max(0, Date.parse(query.since) - CLOCK_SLACK_MS)) : '-';
    const found: AuditEntry[] = [];
    let max = '+';
    while (found.length < query.limit) {
      const page = await this.redis.xrevrange(key, max, min, 'COUNT', PAGE);
      for (const [, fields] of page) {
        const entry = JSON.parse(fields[1] ?? 'null') as AuditEntry;
        if (matchesAudit(entry, query)) found.push(entry);
        if (found.length === query.limit) break;
      }
      if (page.length < PAGE) break;
      max = `(${page.at(-1)![0]}`;
    }
    return found.reverse();
  }
}
