import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import { isFinal } from '../core/builds/types.js';
import type { LogLine } from '../core/builds/log-line.js';
import type { LogStore } from '../shared/ports/log-store.js';

/**
 * `GET /builds/:id/steps/:step/log/stream`: Server-Sent Events. Each log line is an event
 * (`data: {"time","stream","text"}`) as the step prints it; `event: end` closes the stream
 * when the step is over. Lines already printed come first (the log store gives a follower
 * the stored lines, then each new one once).
 */
export async function streamLog(
  ctx: Context,
  logs: LogStore,
  id: string,
  step: string,
  stepState: () => Promise<string | undefined>,
): Promise<void> {
  const out = new PassThrough();
  let closed = false;
  const send = (lines: readonly LogLine[]) => {
    for (const line of lines) out.write(`data: ${JSON.stringify(line)}\n\n`);
  };
  const end = (state: string) => {
    if (closed) return;
    closed = true;
    out.write(`event: end\ndata: ${JSON.stringify({ state })}\n\n`);
    out.end();
  };

  ctx.status = 200;
  ctx.set({
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  ctx.body = out;
  out.write(': live log\n\n');

  // Replaced once following: a reader may go away before that.
  let stop = (): void => undefined;
  ctx.req.on('close', () => {
    closed = true;
    stop();
  });
  out.on('finish', () => stop());
  stop = await logs.follow(id, step, (update) => {
    if (closed) return;
    send(update.lines);
    if (update.done) void stepState().then((state) => end(state ?? 'done'));
  });
  if (closed) return stop();
  const state = await stepState();
  if (state && isFinal(state)) end(state);
}
