import type { Context } from 'koa';

/** How long a client may take to send a body before the request is dropped (a slow sender holds memory). */
export const BODY_DEADLINE_MS = 10_000;

export type BodyResult = { ok: true; body: Buffer } | { ok: false; status: 413 | 408; error: string };

/**
 * The raw request body, read only when it can be accepted: a `Content-Length` over
 * `maxBytes` is refused (413) before a byte is read; a body that grows past it while read
 * (chunked) stops the reading there (413); one not complete within `deadlineMs` is dropped
 * (408). A refused request's connection is closed after the answer, so the rest is not read.
 */
export async function readRawBody(ctx: Context, maxBytes: number, deadlineMs = BODY_DEADLINE_MS): Promise<BodyResult> {
  const declared = Number(ctx.get('content-length') || NaN);
  if (declared > maxBytes) return refused(ctx, 413, `body larger than ${maxBytes} bytes`);
  const req = ctx.req;
  return new Promise<BodyResult>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyResult) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onError);
      if (!result.ok) req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) return finish(refused(ctx, 413, `body larger than ${maxBytes} bytes`));
      chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks, size) });
    const onError = () => finish(refused(ctx, 408, 'the body did not arrive'));
    const timer = setTimeout(() => finish(refused(ctx, 408, `the body took longer than ${deadlineMs} ms`)), deadlineMs);
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onError);
  });
}

/** The raw body, or undefined when it was refused (the answer is then the caller's to give). */
export async function readBody(ctx: Context, maxBytes: number): Promise<Buffer | undefined> {
  const result = await readRawBody(ctx, maxBytes);
  return result.ok ? result.body : undefined;
}

function refused(ctx: Context, status: 413 | 408, error: string): BodyResult {
  // What was not read is never read: the connection ends with the answer.
  ctx.set('connection', 'close');
  return { ok: false, status, error };
}

/** Marks the answer as the last on its connection, for a request refused before its body was read. */
export function closeAfterAnswer(ctx: Context): void {
  ctx.set('connection', 'close');
}
