import { StringDecoder } from 'node:string_decoder';
import type { LogLine } from '../../core/builds/log-line.js';

/**
 * Splits Docker's multiplexed log stream (8-byte frame headers: stream type, 3 zero bytes,
 * big-endian length) into lines. Feed it chunks as they come; it keeps partial frames and
 * partial lines for the next chunk. Type 3 frames carry the daemon's own errors. Each stream
 * is decoded by its own UTF-8 decoder, so a character split across two frames (Docker cuts
 * frames by size, not by character) comes out whole.
 */
export class DockerLogDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private partial: Record<LogLine['stream'], string> = { stdout: '', stderr: '' };
  private readonly utf8 = {
    stdout: new StringDecoder('utf8'),
    stderr: new StringDecoder('utf8'),
    daemon: new StringDecoder('utf8'),
  };

  push(chunk: Buffer): LogLine[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: LogLine[] = [];
    while (this.pending.length >= 8) {
      const type = this.pending[0]!;
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const body = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      const stream = type === 1 ? 'stdout' : 'stderr';
      const text = this.utf8[type === 3 ? 'daemon' : stream].write(body);
      const prefix = type === 3 ? '[docker] ' : '';
      this.partial[stream] += prefix + text;
      const parts = this.partial[stream].split('\n');
      this.partial[stream] = parts.pop() ?? '';
      for (const part of parts) out.push(parseLine(part, stream));
    }
    return out;
  }

  /** Whatever is left when the stream ends: a last line without a newline. */
  end(): LogLine[] {
    const out: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      this.partial[stream] += this.utf8[stream].end();
      if (this.partial[stream]) out.push(parseLine(this.partial[stream], stream));
      this.partial[stream] = '';
    }
    return out;
  }
}

/** `2026-11-23T18:00:00.123456789Z text` (timestamps: true) → a log line. */
function parseLine(raw: string, stream: LogLine['stream']): LogLine {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const space = line.indexOf(' ');
  const stamp = space > 0 ? line.slice(0, space) : '';
  if (/^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(stamp)) {
    return { time: new Date(stamp).toISOString(), stream, text: line.slice(space + 1) };
  }
  return { time: new Date().toISOString(), stream, text: line };
}

/** Decodes a whole multiplexed buffer (a non-followed log). */
export function decodeDockerLog(buffer: Buffer): LogLine[] {
  const decoder = new DockerLogDecoder();
  return [...decoder.push(buffer), ...decoder.end()];
}
