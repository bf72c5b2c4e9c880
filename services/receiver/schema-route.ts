import { createHash } from 'node:crypto';
import Router from '@koa/router';

/** The file name the schema had before it was versioned; it redirects to the `$id` path. */
const OLD_PATH = '/schemas/buildspec.schema.json';

/**
 * `schemas/buildspec.schema.json` at the path its `$id` names (`/schemas/buildspec/v1.json`),
 * on whatever host Slipway is served from, so an editor can be pointed at
 * `https://<slipway>/schemas/buildspec/v1.json`. Public (no principal), `application/schema+json`,
 * cached for an hour with a strong ETag; the old file name redirects there.
 */
export function schemaRouter(schema: { text: string; json: { $id: string } }): Router {
  const path = new URL(schema.json.$id).pathname;
  const etag = `"${createHash('sha256').update(schema.text).digest('base64url').slice(0, 27)}"`;
  const router = new Router();
  router.get(path, (ctx) => {
    ctx.set({ 'cache-control': 'public, max-age=3600', etag, 'access-control-allow-origin': '*' });
    if (ctx.get('if-none-match') === etag) {
      ctx.status = 304;
      return;
    }
    ctx.type = 'application/schema+json';
    ctx.body = schema.text;
  });
  if (path !== OLD_PATH)
    router.get(OLD_PATH, (ctx) => {
      ctx.status = 301;
      ctx.redirect(path);
    });
  return router;
}
