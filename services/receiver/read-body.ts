import type { Context } from 'koa';

/** The raw request body as text, or undefined when it is larger than `maxBytes` (reading stops there). */
export async function readBody(ctx: Context, maxBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
