import type { Context, Next } from 'koa';
import { OPERATOR_SCOPES, sessionScopes, type Principal } from '../../core/auth/principal.js';
import type { PersonalTokens } from '../../shared/ports/personal-tokens.js';
import type { Sessions } from '../../shared/ports/sessions.js';
import { setPrincipal } from './principal-of.js';
import { refuse } from './refuse.js';
import { parsePersonalToken, sameSecret, sha256 } from './secrets.js';
import { SESSION_COOKIE } from './session-cookie.js';

export interface PrincipalDeps {
  /** SLIPWAY_API_TOKEN ('' when unset: then no bearer is the operator). */
  operatorToken: string;
  tokens: PersonalTokens;
  sessions: Sessions;
  /** SLIPWAY_ADMINS: the logins that hold the `admin` scope. */
  admins: readonly string[];
  /** Whether cookies are signed (a session secret is configured); without it no session is read. */
  sessionsEnabled: boolean;
}

/**
 * Koa middleware, first after the error handler: finds who is asking and sets it for
 * `principalOf(ctx)`. In order: `Authorization: Bearer` with the operator's token or a
 * personal token (`slw_…`), else the signed session cookie, else anonymous. A bearer that is
 * neither is refused at once (401), never treated as anonymous; a stale or forged cookie is
 * ignored (anonymous). A personal token's scopes are those it was made with, less `admin`
 * when its owner is no longer an admin.
 */
export function resolvePrincipal(deps: PrincipalDeps) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const header = ctx.get('authorization');
    if (header) {
      const principal = await fromBearer(header, deps);
      if (!principal)
        return refuse(ctx, 401, 'bad-token', 'the bearer token is not one Slipway issued, or was revoked');
      setPrincipal(ctx, principal);
      return next();
    }
    if (deps.sessionsEnabled) {
      const id = ctx.cookies.get(SESSION_COOKIE, { signed: true });
      const session = id ? await deps.sessions.get(sha256(id)) : undefined;
      if (session) {
        const scopes = sessionScopes(session.login, deps.admins);
        setPrincipal(ctx, { kind: 'user', login: session.login, via: 'session', scopes }, session);
      }
    }
    await next();
  };
}

async function fromBearer(header: string, deps: PrincipalDeps): Promise<Principal | undefined> {
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (!presented) return undefined;
  const parsed = parsePersonalToken(presented);
  if (parsed) {
    const stored = await deps.tokens.get(parsed.id);
    if (!stored || !sameSecret(sha256(parsed.secret), stored.secretHash)) return undefined;
    const allowed = sessionScopes(stored.owner, deps.admins);
    const scopes = stored.scopes.filter((s) => allowed.includes(s));
    return { kind: 'user', login: stored.owner, via: 'token', scopes, tokenId: stored.id };
  }
  if (deps.operatorToken && sameSecret(presented, deps.operatorToken)) {
    return { kind: 'operator', scopes: OPERATOR_SCOPES };
  }
  return undefined;
}
