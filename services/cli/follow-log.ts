import { EventSourceParserStream } from 'eventsource-parser/stream';
import { refusal, type ApiClient } from './api-client.js';
import { CliError } from './command.js';

/** A log line as the live stream sends it (`data:` of a message whose `id:` is `n`). */
export interface StreamedLine {
  n: number;
  text: string;
  stream?: string;
  time?: string;
}

export interface FollowOptions {
  /** Reconnections in a row without a message before giving up (default 20). */
  retries?: number;
  /** The first wait before reconnecting, doubled each time up to 5 s (default 250 ms). */
  retryDelayMs?: number;
  /** Told each time the connection dropped and is being made again. */
  onReconnect?: (afterLine: number, attempt: number) => void;
}

/**
 * Follows a step's log live through `GET /api/v1/builds/{id}/steps/{step}/log/stream`
 * (contract C) until its `event: end`, and resolves with the step's final state. When the
 * connection drops (a proxy, a restarted receiver, the network) it connects again with
 * `Last-Event-ID: <the last line seen>`, so the stream resumes after it; a line that comes
 * twice all the same is skipped by its number, so every line is written once, in order.
 */
export async function followLog(
  client: ApiClient,
  build: string,
  step: string,
  write: (line: StreamedLine) => void,
  options: FollowOptions = {},
): Promise<string> {
  const { retries = 20, retryDelayMs = 250 } = options;
  const path = `/api/v1/builds/${encodeURIComponent(build)}/steps/${encodeURIComponent(step)}/log/stream`;
  let last = 0;
  let failures = 0;
  for (;;) {
    let res: Response | undefined;
    try {
      res = await client.fetch(path, {
        method: 'GET',
        headers: { accept: 'text/event-stream', ...(last > 0 ? { 'last-event-id': String(last) } : {}) },
      });
    } catch (err) {
      if (failures >= retries) throw err;
    }
    if (res && !res.ok && res.status < 500) {
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: said as text
      }
      throw refusal({ status: res.status, ok: false, body, text });
    }
    if (res?.ok && res.body) {
      try {
        const messages = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
        for await (const message of messages) {
          failures = 0;
          if (message.event === 'end') return stateOf(message.data);
          if (message.event && message.event !== 'message') continue;
          const line = lineOf(message.data, message.id);
          if (!line || line.n <= last) continue;
          last = line.n;
          write(line);
        }
      } catch {
        // The connection dropped mid-stream: connect again below.
      }
    }
    failures++;
    if (failures > retries) throw new CliError(`lost the log stream of ${build} ${step} after line ${last}`);
    options.onReconnect?.(last, failures);
    await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, retryDelayMs * 2 ** (failures - 1))));
  }
}

function lineOf(data: string, id: string | undefined): StreamedLine | undefined {
  try {
    const parsed = JSON.parse(data) as Partial<StreamedLine>;
    const n = Number(parsed.n ?? id);
    if (!Number.isInteger(n) || typeof parsed.text !== 'string') return undefined;
    return { ...parsed, n, text: parsed.text } as StreamedLine;
  } catch {
    return undefined;
  }
}

function stateOf(data: string): string {
  try {
    const state = (JSON.parse(data) as { state?: unknown }).state;
    return typeof state === 'string' ? state : 'done';
  } catch {
    return 'done';
  }
}
