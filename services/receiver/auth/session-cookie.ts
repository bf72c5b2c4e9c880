import type { Context } from 'koa';

/** The signed cookie holding a session's random id (the server keeps the session). */
export const SESSION_COOKIE = 'slipway_session';
/** The signed, short-lived cookie binding an OAuth `state` to the browser that started signing in. */
export const OAUTH_STATE_COOKIE = 'slipway_oauth';

/** How Slipway's cookies are set: signed, HttpOnly, SameSite=Lax, Secure when Slipway is served over https. */
export function cookieOptions(secure: boolean, maxAgeMs: number) {
  return {
    signed: true,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure,
    path: '/',
    maxAge: maxAgeMs,
    overwrite: true,
  };
}

export function clearCookie(ctx: Context, name: string, secure: boolean): void {
  ctx.cookies.set(name, '', { ...cookieOptions(secure, 0), maxAge: 0, expires: new Date(0) });
}
