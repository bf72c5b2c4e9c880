import type { Context } from 'koa';
import { readBody } from './read-body.js';

/** Anything an API request or a form needs fits in this. */
export const API_BODY_LIMIT = 64 * 1024;

/**
 * The request's body as text, read once per request (the CSRF check and the route may both
 * need it), at most `API_BODY_LIMIT` bytes and within the read deadline; undefined when it is
 * larger or too slow.
 */
export async function requestText(ctx: Context): Promise<string | undefined> {
  if (!('bodyText' in ctx.state)) ctx.state.bodyText = (await readBody(ctx, API_BODY_LIMIT))?.toString('utf8');
  return ctx.state.bodyText as string | undefined;
}

/** The JSON object body; undefined when there is none, it is not JSON, or not an object. */
export async function requestJson(ctx: Context): Promise<Record<string, unknown> | undefined> {
  const text = await requestText(ctx);
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** An urlencoded form body. */
export async function requestForm(ctx: Context): Promise<URLSearchParams | undefined> {
  const text = await requestText(ctx);
  return text === undefined ? undefined : new URLSearchParams(text);
}
