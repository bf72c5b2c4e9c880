import { createHash } from 'node:crypto';
import helmet from 'koa-helmet';
import type { Middleware } from 'koa';
import { PAGE_STYLE } from './pages/html.js';
import { importMapText } from './static-files.js';

/**
 * Security headers on every answer, through koa-helmet: a CSP that allows no inline script
 * (scripts only as files from Slipway itself, and the pages' import map and one style element
 * by their hashes),
 * no framing (`frame-ancestors 'none'`, `X-Frame-Options: DENY`), `nosniff`, a referrer
 * policy that sends no URL to other sites, and HSTS when Slipway is served over https.
 */
export function securityHeaders(https: boolean): Middleware {
  const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
  const styleHash = hash(PAGE_STYLE);
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        // The pages' import map is inline (browsers take no other kind); it is allowed by its hash alone.
        scriptSrc: ["'self'", hash(importMapText())],
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
