import type { Context } from 'koa';
import { ANONYMOUS, type Principal } from '../../core/auth/principal.js';
import type { Session } from '../../shared/ports/sessions.js';

/**
 * Who is asking: what `resolvePrincipal` found for this request (anonymous when nothing, or
 * when the middleware did not run). Every route, page and stream asks this, never a header.
 */
export function principalOf(ctx: Context): Principal {
  return (ctx.state.principal as Principal | undefined) ?? ANONYMOUS;
}

/** The browser session behind the request, when it came with one (for its CSRF token). */
export function sessionOf(ctx: Context): Session | undefined {
  return ctx.state.session as Session | undefined;
}

/** Set once per request by `resolvePrincipal`. */
export function setPrincipal(ctx: Context, principal: Principal, session?: Session): void {
  ctx.state.principal = principal;
  if (session) ctx.state.session = session;
}
