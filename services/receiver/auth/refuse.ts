import type { Context } from 'koa';

/** An error answer in the API's one shape, `{error, message}`: a stable code and words for people. */
export function refuse(ctx: Context, status: number, error: string, message: string): void {
  ctx.status = status;
  ctx.body = { error, message };
}

/**
 * The one answer for a build (or log, stream, artifact) that does not exist and for one the
 * caller may not see: the two must be indistinguishable.
 */
export function notFound(ctx: Context, what = 'build'): void {
  refuse(ctx, 404, 'not-found', `no such ${what}`);
}
