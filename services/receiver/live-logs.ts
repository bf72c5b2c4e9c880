import { isFinal } from '../core/builds/types.js';
import { PassThrough } from 'node:stream';
import type { Redis } from 'ioredis';
import type { Context } from 'koa';
import type { LogLine } from '../core/builds/log-line.js';
import { logChannel, type BuildStore, type LiveLog } from '../shared/build-store.js';

type Listener = (message: LiveLog) => void;

/** One Redis subscription shared by every live log reader of this process. */
export class LiveLogHub {
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly subscriber: Redis) {
    subscriber.on('message', (channel: string, text: string) => {
      const message = JSON.parse(text) as LiveLog;
      for (const listener of this.listeners.get(channel) ?? []) listener(message);
    });
  }

  async listen(channel: string, listener: Listener): Promise<() => void> {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      await this.subscriber.subscribe(channel);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) {
        this.listeners.delete(channel);
        void this.subscriber.unsubscribe(channel).catch(() => undefined);
      }
    };
  }
}

/**
 * `GET /builds/:id/steps/:step/log/stream`: Server-Sent Events. Each log line is an event
 * (`data: {"time","stream","text"}`) as the step prints it; `event: end` closes the stream
 * when the step is over. Lines already printed come first.
 */
export async function streamLog(
  ctx: Context,
  store: BuildStore,
  hub: LiveLogHub,
  id: string,
  step: string,
  stepState: () => Promise<string | undefined>,
): Promise<void> {
  const out = new PassThrough();
  let sent = 0;
  let closed = false;
  const send = (lines: readonly LogLine[], from: number) => {
    for (const [i, line] of lines.entries()) {
      if (from + i < sent) continue;
      out.write(`data: ${JSON.stringify(line)}\n\n`);
      sent = from + i + 1;
    }
  };
  const end = (state: string) => {
    if (closed) return;
    closed = true;
    out.write(`event: end\ndata: ${JSON.stringify({ state })}\n\n`);
    out.end();
  };
  // Subscribe before reading what is stored, so no line falls between the two.
  const pending: LiveLog[] = [];
  let ready = false;
  const stop = await hub.listen(logChannel(id, step), (message) => {
    if (!ready) return void pending.push(message);
    deliver(message);
  });
  const deliver = (message: LiveLog) => {
    send(message.lines, message.end - message.lines.length);
    if (message.done) void stepState().then((state) => end(state ?? 'done'));
  };
  ctx.req.on('close', () => {
    closed = true;
    stop();
  });
  out.on('finish', stop);

  ctx.status = 200;
  ctx.set({
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  ctx.body = out;
  out.write(': live log\n\n');

  send(await store.log(id, step), 0);
  ready = true;
  for (const message of pending.splice(0)) deliver(message);
  const state = await stepState();
  if (state && isFinal(state)) end(state);
}
