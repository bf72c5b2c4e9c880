import type { Context } from 'koa';
import type { RequestOrigin } from '../../core/audit/audit-entry.js';
import type { Principal } from '../../core/auth/principal.js';

/**
 * Where a request came from, for the audit trail: the client's address (Koa's `ctx.ip`, which
 * honours `X-Forwarded-For` only when the operator set SLIPWAY_TRUST_PROXY), its user agent
 * (cut to 200 characters) and how its principal was known.
 */
export function requestOrigin(ctx: Context, principal: Principal): RequestOrigin {
  const via = principal.kind === 'user' ? principal.via : principal.kind === 'operator' ? 'operator' : 'slipway';
  return { ip: ctx.ip, userAgent: ctx.get('user-agent').slice(0, 200), via };
}
