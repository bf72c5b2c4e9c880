import type { Context } from 'koa';
import { isFinal } from '../core/builds/types.js';
import type { LogStore } from '../shared/ports/log-store.js';
import { lastEventId, openSse } from './sse.js';

/**
 * `GET …/builds/:id/steps/:step/log/stream`: Server-Sent Events. Each log line is a message
 * (`id:` its line number, from 1; `data: {"time","stream","text","n"}`) as the step prints it;
 * `event: end` (`data: {"state"}`) closes the stream when the step is over. Lines already
 * printed come first; a client that sends `Last-Event-ID: N` (EventSource does after a dropped
 * connection) gets the lines after line N only. The log store gives a follower every stored
 * line, then each new one once, in order, so counting them gives their numbers. A heartbeat
 * comment every 15 s keeps proxies from closing a quiet stream.
 */
export async function streamLog(
  ctx: Context,
  logs: LogStore,
  id: string,
  step: string,
  stepState: () => Promise<string | undefined>,
  heartbeatMs?: number,
): Promise<void> {
  const resumeAfter = Number(lastEventId(ctx) ?? 0);
  const skip = Number.isInteger(resumeAfter) && resumeAfter > 0 ? resumeAfter : 0;
  const sse = openSse(ctx, heartbeatMs);
  let n = 0;
  const end = (state: string) => {
    sse.send({ event: 'end', data: { state } });
    sse.end();
  };
  // Replaced once following: a reader may go away before that.
  let stop = (): void => undefined;
  sse.closed.addEventListener('abort', () => stop());
  stop = await logs.follow(id, step, (update) => {
    if (sse.closed.aborted) return;
    for (const line of update.lines) {
      n++;
      if (n > skip) sse.send({ id: n, data: { ...line, n } });
    }
    if (update.done) void settledState(stepState, sse.closed).then((state) => end(state ?? 'done'));
  });
  if (sse.closed.aborted) return stop();
  const state = await stepState();
  if (state && isFinal(state)) end(state);
}

/**
 * The step's state once it is final. The executor stores the complete log before it records
 * the outcome (and removes the service in between), so the log's end comes a moment before
 * the state says how the step ended: wait for that, up to `limitMs`, polling every `everyMs`.
 * Past the limit (an executor that died in between) the state as it is.
 */
async function settledState(
  stepState: () => Promise<string | undefined>,
  closed: AbortSignal,
  everyMs = 200,
  limitMs = 30_000,
): Promise<string | undefined> {
  const until = Date.now() + limitMs;
  for (;;) {
    const state = await stepState();
    if ((state && isFinal(state)) || Date.now() >= until || closed.aborted) return state;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
