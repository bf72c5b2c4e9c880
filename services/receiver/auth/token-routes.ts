import Router from '@koa/router';
import type { Context } from 'koa';
import { isScope, SCOPES, type Principal, type Scope } from '../../core/auth/principal.js';
import type { AuditLog } from '../../shared/ports/audit-log.js';
import type { PersonalToken, PersonalTokens } from '../../shared/ports/personal-tokens.js';
import { auditAction } from '../audit-action.js';
import { tokensPage } from '../pages/tokens-page.js';
import { requestForm, requestJson } from '../request-body.js';
import { csrfTokenOf } from './csrf.js';
import { principalOf } from './principal-of.js';
import { refuse } from './refuse.js';
import { newPersonalToken } from './secrets.js';

export interface TokenDeps {
  tokens: PersonalTokens;
  audit: AuditLog;
  signIn: boolean;
  now?: () => Date;
}

type Made = { ok: true; token: string; record: PersonalToken } | { ok: false; status: number; error: string };

/**
 * Personal API tokens: made by a person signed in with a browser session (a token cannot make
 * tokens), each with its owner and scopes, shown once, stored as a hash; listed and revoked
 * by their owner (session or token). JSON under `/api/tokens`, and a small page with
 * CSRF-protected forms at `/settings/tokens`.
 */
export function tokenRouter(deps: TokenDeps): Router {
  const router = new Router();
  const now = deps.now ?? (() => new Date());
  const viewer = (ctx: Context) => ({ principal: principalOf(ctx), csrf: csrfTokenOf(ctx), signIn: deps.signIn });

  const make = async (ctx: Context, name: unknown, scopes: unknown): Promise<Made> => {
    const principal = principalOf(ctx);
    if (principal.kind !== 'user' || principal.via !== 'session')
      return { ok: false, status: 401, error: 'sign in with GitHub in a browser to make a personal token' };
    if (typeof name !== 'string' || !name.trim() || name.length > 100)
      return { ok: false, status: 400, error: '"name" must be a label of 1 to 100 characters' };
    const wanted = Array.isArray(scopes) ? scopes : [];
    if (wanted.length === 0 || !wanted.every(isScope))
      return { ok: false, status: 400, error: `"scopes" must be some of ${SCOPES.join(', ')}` };
    const missing = wanted.filter((s) => !principal.scopes.includes(s));
    if (missing.length > 0) return { ok: false, status: 403, error: `you do not hold ${missing.join(', ')}` };
    const made = newPersonalToken();
    const record: PersonalToken = {
      id: made.id,
      owner: principal.login,
      name: name.trim(),
      scopes: SCOPES.filter((s) => wanted.includes(s)),
      secretHash: made.secretHash,
      createdAt: now().toISOString(),
    };
    await deps.tokens.create(record);
    const { id, scopes: granted } = record;
    await auditAction(ctx, deps.audit, { kind: 'token-created', tokenId: id, name: record.name, scopes: granted });
    return { ok: true, token: made.token, record };
  };
  const revoke = async (ctx: Context, id: string): Promise<boolean> => {
    const principal = principalOf(ctx);
    if (principal.kind !== 'user' || !(await deps.tokens.revoke(principal.login, id))) return false;
    await auditAction(ctx, deps.audit, { kind: 'token-revoked', tokenId: id });
    return true;
  };

  router.get('/api/tokens', async (ctx) => {
    const principal = principalOf(ctx);
    if (principal.kind !== 'user') return refuse(ctx, 401, 'unauthenticated', 'personal tokens belong to people');
    ctx.body = { tokens: (await deps.tokens.list(principal.login)).map(shown) };
  });
  router.post('/api/tokens', async (ctx) => {
    const body = await requestJson(ctx);
    const made = await make(ctx, body?.name, body?.scopes);
    if (!made.ok) return refuse(ctx, made.status, made.status === 400 ? 'bad-request' : 'forbidden', made.error);
    ctx.status = 201;
    ctx.body = { ...shown(made.record), token: made.token, note: 'shown once: Slipway keeps only its hash' };
  });
  router.delete('/api/tokens/:id', async (ctx) => {
    if (principalOf(ctx).kind !== 'user')
      return refuse(ctx, 401, 'unauthenticated', 'personal tokens belong to people');
    if (!(await revoke(ctx, ctx.params.id!))) return refuse(ctx, 404, 'not-found', 'no such token');
    ctx.status = 204;
  });

  router.get('/settings/tokens', async (ctx) => {
    if (!signedIn(ctx)) return ctx.redirect('/login?next=/settings/tokens');
    const login = (principalOf(ctx) as Extract<Principal, { kind: 'user' }>).login;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = tokensPage(await deps.tokens.list(login), viewer(ctx));
  });
  router.post('/settings/tokens', async (ctx) => {
    if (!signedIn(ctx)) return ctx.redirect('/login?next=/settings/tokens');
    const form = await requestForm(ctx);
    const made = await make(ctx, form?.get('name'), form?.getAll('scope'));
    const login = (principalOf(ctx) as Extract<Principal, { kind: 'user' }>).login;
    ctx.status = made.ok ? 201 : made.status;
    ctx.type = 'text/html; charset=utf-8';
    const list = await deps.tokens.list(login);
    ctx.body = tokensPage(list, viewer(ctx), made.ok ? { token: made.token, name: made.record.name } : made.error);
  });
  router.post('/settings/tokens/:id/revoke', async (ctx) => {
    if (!signedIn(ctx)) return ctx.redirect('/login?next=/settings/tokens');
    await revoke(ctx, ctx.params.id!);
    ctx.redirect('/settings/tokens');
  });
  return router;
}

function signedIn(ctx: Context): boolean {
  const principal = principalOf(ctx);
  return principal.kind === 'user' && principal.via === 'session';
}

/** A token as its owner may see it again: never the secret or its hash. */
function shown(t: PersonalToken): { id: string; name: string; scopes: Scope[]; createdAt: string } {
  return { id: t.id, name: t.name, scopes: t.scopes, createdAt: t.createdAt };
}
