import Router from '@koa/router';
import type { Context } from 'koa';
import type { GitHubSignIn } from '../../shared/github-sign-in.js';
import type { Logger } from '../../shared/logger.js';
import type { AuditLog } from '../../shared/ports/audit-log.js';
import type { Sessions } from '../../shared/ports/sessions.js';
import { auditAction } from '../audit-action.js';
import { messagePage } from '../pages/message-page.js';
import { principalOf, sessionOf, setPrincipal } from './principal-of.js';
import { randomSecret, sameSecret, sha256 } from './secrets.js';
import { clearCookie, cookieOptions, OAUTH_STATE_COOKIE, SESSION_COOKIE } from './session-cookie.js';
import { sessionScopes } from '../../core/auth/principal.js';

export interface SignInDeps {
  signIn: GitHubSignIn;
  sessions: Sessions;
  audit: AuditLog;
  logger: Logger;
  /** SLIPWAY_PUBLIC_URL: the callback is `<publicUrl>/auth/callback`; https makes cookies Secure. */
  publicUrl: string;
  sessionTtlMs: number;
  admins: readonly string[];
  now?: () => Date;
}

/** How long a person may take at GitHub between /login and the callback. */
const STATE_TTL_MS = 10 * 60_000;

/**
 * Sign in with GitHub (the OAuth web flow) and sign out:
 *
 * - `GET /login?next=/path`: a random `state` goes into a signed, HttpOnly cookie (binding it
 *   to this browser) and the browser to GitHub's authorize page.
 * - `GET /auth/callback?code&state`: the state must be the cookie's; the code is exchanged and
 *   GitHub's `GET /user` says who signed in. A server-side session is made (the cookie holds a
 *   random id; the store, its hash), and the browser goes back to `next`.
 * - `POST /logout` (CSRF-checked like every session write): the session is deleted.
 */
export function signInRouter(deps: SignInDeps): Router {
  const router = new Router();
  const secure = deps.publicUrl.startsWith('https:');
  const callback = `${deps.publicUrl}/auth/callback`;
  const now = deps.now ?? (() => new Date());

  router.get('/login', (ctx) => {
    const state = randomSecret(24);
    const next = safeNext(ctx.query.next);
    ctx.cookies.set(OAUTH_STATE_COOKIE, `${state}.${encodeURIComponent(next)}`, cookieOptions(secure, STATE_TTL_MS));
    ctx.redirect(deps.signIn.authorizeUrl(state, callback));
  });

  router.get('/auth/callback', async (ctx) => {
    const bound = ctx.cookies.get(OAUTH_STATE_COOKIE, { signed: true }) ?? '';
    clearCookie(ctx, OAUTH_STATE_COOKIE, secure);
    const [state = '', next = '/'] = bound.split('.');
    const { code, state: returned, error } = ctx.query;
    if (typeof error === 'string') return failed(ctx, 400, `GitHub did not sign you in (${error}).`);
    if (typeof code !== 'string' || typeof returned !== 'string' || !state || !sameSecret(state, returned)) {
      return failed(ctx, 400, 'This sign-in was not started in this browser, or took too long.');
    }
    let login: string;
    try {
      login = await deps.signIn.loginFor(code, returned, callback);
    } catch (err) {
      deps.logger.warn('sign-in failed', { err });
      const status = (err as { retryable?: boolean }).retryable ? 503 : 400;
      return failed(ctx, status, 'GitHub did not confirm who you are.');
    }
    const id = randomSecret(32);
    const at = now();
    const session = {
      key: sha256(id),
      login,
      csrf: randomSecret(24),
      createdAt: at.toISOString(),
      expiresAt: new Date(at.getTime() + deps.sessionTtlMs).toISOString(),
    };
    await deps.sessions.create(session);
    ctx.cookies.set(SESSION_COOKIE, id, cookieOptions(secure, deps.sessionTtlMs));
    setPrincipal(ctx, { kind: 'user', login, via: 'session', scopes: sessionScopes(login, deps.admins) }, session);
    await auditAction(ctx, deps.audit, { kind: 'sign-in' }, at);
    ctx.redirect(safeNext(decodeURIComponent(next)));
  });

  router.post('/logout', async (ctx) => {
    const session = sessionOf(ctx);
    if (session && principalOf(ctx).kind === 'user') {
      await deps.sessions.delete(session.key);
      await auditAction(ctx, deps.audit, { kind: 'sign-out' }, now());
    }
    clearCookie(ctx, SESSION_COOKIE, secure);
    ctx.redirect('/');
  });

  return router;
}

/** Only a path on this site: never `//evil.example` or `https://…` (an open redirect). */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/';
}

function failed(ctx: Context, status: number, message: string): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = messagePage('Sign-in failed', message, { href: '/login', label: 'Try again' });
}
