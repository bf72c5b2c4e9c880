import type { Context } from 'koa';
import type { AuditEntry } from '../core/audit/audit-entry.js';
import { actorOf } from '../core/auth/principal.js';
import type { AuditLog } from '../shared/ports/audit-log.js';
import { principalOf } from './auth/principal-of.js';
import { requestOrigin } from './auth/request-origin.js';

/** An entry as a route describes it; who, when and from where are the request's. */
export type AuditAction = AuditEntry extends infer E
  ? E extends AuditEntry
    ? Omit<E, 'at' | 'actor' | 'from'>
    : never
  : never;

/**
 * Appends what the request did to the audit trail, as the request's principal, now, from the
 * request's address and user agent. Routes call it after the action was accepted.
 */
export async function auditAction(ctx: Context, audit: AuditLog, action: AuditAction, now = new Date()): Promise<void> {
  const principal = principalOf(ctx);
  await audit.append({
    ...action,
    at: now.toISOString(),
    actor: actorOf(principal),
    from: requestOrigin(ctx, principal),
  } as AuditEntry);
}
