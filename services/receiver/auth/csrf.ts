import type { Context, Next } from 'koa';
import { principalOf, sessionOf } from './principal-of.js';
import { refuse } from './refuse.js';
import { sameSecret } from './secrets.js';
import { requestForm } from '../request-body.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The CSRF token a page puts in its forms (`<input type=hidden name=_csrf>`), or '' without a session. */
export function csrfTokenOf(ctx: Context): string {
  return sessionOf(ctx)?.csrf ?? '';
}

/**
 * Koa middleware, after `resolvePrincipal`: a request that changes something and is
 * authenticated by the session cookie must carry the session's CSRF token, as the form field
 * `_csrf` (urlencoded forms) or the header `X-CSRF-Token` (scripts of Slipway's own pages).
 * Bearer-token requests carry no ambient credentials and need none. 403 otherwise.
 */
export function requireCsrf() {
  return async (ctx: Context, next: Next): Promise<void> => {
    const session = sessionOf(ctx);
    if (SAFE.has(ctx.method) || !session || principalOf(ctx).kind !== 'user') return next();
    let presented = ctx.get('x-csrf-token');
    if (!presented && ctx.is('application/x-www-form-urlencoded'))
      presented = (await requestForm(ctx))?.get('_csrf') ?? '';
    if (!presented || !sameSecret(presented, session.csrf)) {
      return refuse(ctx, 403, 'csrf', 'the form is stale or came from another site: reload the page and try again');
    }
    await next();
  };
}
