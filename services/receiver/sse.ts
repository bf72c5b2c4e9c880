import { PassThrough } from 'node:stream';
import type { Context } from 'koa';

/** How often an idle stream sends a comment, so proxies do not close it (contract C: 15 s). */
export const HEARTBEAT_MS = 15_000;

/** An open Server-Sent Events answer. */
export interface SseStream {
  /** One message: `id:` (what `Last-Event-ID` resumes after), optional `event:`, `data:` as JSON. */
  send(message: { id?: string | number; event?: string; data: unknown }): void;
  /** Ends the stream (after an `event: end`, say). */
  end(): void;
  /** Aborts when the client went away or the stream ended. */
  readonly closed: AbortSignal;
}

/**
 * Answers the request with an event stream: the headers, a first comment, then a heartbeat
 * comment (`: heartbeat`) every `heartbeatMs` until the client goes away or `end` is called.
 */
export function openSse(ctx: Context, heartbeatMs = HEARTBEAT_MS): SseStream {
  const out = new PassThrough();
  const closing = new AbortController();
  ctx.status = 200;
  ctx.set({
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  ctx.body = out;
  out.write(': slipway\n\n');
  const heartbeat = setInterval(() => out.write(': heartbeat\n\n'), heartbeatMs);
  heartbeat.unref();
  const close = () => {
    clearInterval(heartbeat);
    if (!closing.signal.aborted) closing.abort();
  };
  // The client went away: end the body ourselves, so Koa sees a finished stream, not a broken one.
  ctx.res.on('close', () => {
    close();
    if (!out.writableEnded) out.end();
  });
  out.on('close', close);
  out.on('error', close);
  return {
    send({ id, event, data }) {
      if (closing.signal.aborted) return;
      const head = `${id !== undefined ? `id: ${id}\n` : ''}${event ? `event: ${event}\n` : ''}`;
      out.write(`${head}data: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      if (closing.signal.aborted) return;
      close();
      out.end();
    },
    closed: closing.signal,
  };
}

/** The `Last-Event-ID` header (or `?last_event_id=` for clients that cannot set headers). */
export function lastEventId(ctx: Context): string | undefined {
  const header = ctx.get('last-event-id');
  if (header) return header.trim();
  const query = ctx.query.last_event_id;
  return typeof query === 'string' && query ? query : undefined;
}
