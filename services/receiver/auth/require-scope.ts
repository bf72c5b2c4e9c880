import type { Context, Next } from 'koa';
import { hasScope, type Scope } from '../../core/auth/principal.js';
import { principalOf } from './principal-of.js';
import { refuse } from './refuse.js';

/**
 * Koa middleware: the request goes on only when its principal holds `scope`. Anonymous → 401
 * (sign in, or send `Authorization: Bearer <personal token>`); signed in without it → 403.
 * `approve` is never held by the operator's token, so approvals always name a person.
 */
export function requireScope(scope: Scope) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const principal = principalOf(ctx);
    if (principal.kind === 'anonymous') {
      return refuse(ctx, 401, 'unauthenticated', `sign in, or send a personal token with the "${scope}" scope`);
    }
    if (!hasScope(principal, scope)) {
      const why =
        principal.kind === 'operator' && scope === 'approve'
          ? "the operator's token can never approve or reject: use a personal token, which acts as its owner"
          : `this ${principal.kind === 'operator' ? "operator's token" : 'token or session'} ` +
            `lacks the "${scope}" scope`;
      return refuse(ctx, 403, 'forbidden', why);
    }
    await next();
  };
}
