import type { Context, Next } from 'koa';

/**
 * No CORS unless the operator allows origins (SLIPWAY_CORS_ORIGINS): then a browser page of
 * such an origin may call the API with a bearer token (never with cookies: no credentials
 * are allowed), and its preflight is answered.
 */
export function cors(origins: readonly string[]) {
  const allowed = new Set(origins);
  return async (ctx: Context, next: Next): Promise<void> => {
    const origin = ctx.get('origin');
    if (!origin || !allowed.has(origin)) return next();
    ctx.vary('Origin');
    ctx.set('access-control-allow-origin', origin);
    if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method')) {
      ctx.set('access-control-allow-methods', 'GET, POST, DELETE');
      ctx.set('access-control-allow-headers', 'authorization, content-type');
      ctx.set('access-control-max-age', '600');
      ctx.status = 204;
      return;
    }
    await next();
  };
}
