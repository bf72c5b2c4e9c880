import { createHash } from 'node:crypto';
import helmet from 'koa-helmet';
import type { Middleware } from 'koa';
import { PAGE_STYLE } from './pages/html.js';

/**
 * Security headers on every answer, through koa-helmet: a CSP that allows no inline script
 * (scripts only as files from Slipway itself; the pages' one style element by its hash),
 * no framing (`frame-ancestors 'none'`, `X-Frame-Options: DENY`), `nosniff`, a referrer
 * policy that sends no URL to other sites, and HSTS when Slipway is served over https.
 */
export function securityHeaders(https: boolean): Middleware {
  const styleHash = `'sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}'`;
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", styleHash],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: https ? { maxAge: 31_536_000 } : false,
  });
}
