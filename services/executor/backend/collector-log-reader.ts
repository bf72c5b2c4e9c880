import { readTar } from '../../core/artifacts/tar.js';
import { MARK } from './collect-script.js';
import type { CollectedSet, CollectResult, FileSet } from './types.js';

const MARK_BYTES = Buffer.from(MARK);
const NEWLINE = 0x0a;
/** Only the last lines of stderr make the reason of a failed collection; longer lines are cut here. */
const STDERR_TAIL = 3;
const MAX_STDERR_LINE_BYTES = 4096;
/** Base64 held before it is decoded: a piece is made per chunk of the log, not per line. */
const SCRATCH_BYTES = 256 * 1024;
/** A `tar` size mark past twice its set's limit and this is not believed (tar's headers and padding). */
const TAR_OVERHEAD_BYTES = 16 * 1024 * 1024;

type Kind = 'start' | 'mark' | 'data';

/**
 * Reads the collector job's log (see `collectScript`) as it arrives: Docker's multiplexed
 * stream without timestamps, fed chunk by chunk, cut at any byte (inside a frame header, a
 * base64 line or a UTF-8 character). Each set's base64 is decoded as it comes, a chunk's worth
 * at a time, a remainder that is not a multiple of 4 carried to the next; into one buffer of
 * the archive's size when its `tar` mark gave it, else into pieces. Only the collector's own
 * mark lines and the last few lines of stderr are kept as text: what it holds is about the
 * size of the archives, not of their log. `end()` answers what the log says: the sets, or why
 * the files could not be read (a set whose end mark is missing means the log was cut).
 */
export class CollectorLogReader {
  private readonly header = Buffer.alloc(8);
  private headerBytes = 0;
  /** Body bytes left in the current frame, and its stream. */
  private frameLeft = 0;
  private frameType = 0;

  // stdout: the current line is undecided until its first bytes show whether it is a mark line.
  private kind: Kind = 'start';
  private readonly head = Buffer.alloc(MARK_BYTES.length);
  private headBytes = 0;
  private markLine: Buffer[] = [];

  /** Base64 of the current set not decoded yet (at most a chunk's worth and the carried remainder). */
  private scratch = Buffer.alloc(SCRATCH_BYTES);
  private scratchBytes = 0;

  private readonly other: Record<'stderr' | 'daemon', { parts: Buffer[]; bytes: number }> = {
    stderr: { parts: [], bytes: 0 },
    daemon: { parts: [], bytes: 0 },
  };
  private readonly stderr: string[] = [];

  /** The set being read: its archive so far, in `into` (its size known from its mark) or in pieces. */
  private current: { set: CollectedSet; into?: Buffer; pieces: Buffer[]; bytes: number } | undefined;
  private readonly out: CollectedSet[] = [];
  private readonly missing: string[] = [];
  private failed: string | undefined;

  constructor(private readonly sets: readonly FileSet[]) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && this.failed === undefined) {
      if (this.frameLeft === 0) {
        const take = Math.min(8 - this.headerBytes, chunk.length - at);
        chunk.copy(this.header, this.headerBytes, at, at + take);
        this.headerBytes += take;
        at += take;
        if (this.headerBytes < 8) break;
        this.headerBytes = 0;
        this.frameType = this.header[0]!;
        this.frameLeft = this.header.readUInt32BE(4);
        continue;
      }
      const end = Math.min(chunk.length, at + this.frameLeft);
      if (this.frameType === 1) this.stdout(chunk, at, end);
      else this.otherStream(this.frameType === 3 ? 'daemon' : 'stderr', chunk, at, end);
      this.frameLeft -= end - at;
      at = end;
    }
    this.decode(false);
  }

  /** The sets, once the whole log was pushed. */
  end(): CollectResult {
    if (this.failed === undefined) {
      if (this.kind !== 'start' || this.headBytes > 0) this.lineEnd();
      for (const stream of ['stderr', 'daemon'] as const) if (this.other[stream].bytes > 0) this.otherLine(stream);
    }
    if (this.failed !== undefined) return { ok: false, reason: this.failed };
    if (this.out.length !== this.sets.length) {
      const why = this.stderr.join(' / ') || 'its log ended early';
      return { ok: false, reason: `the files could not be read from the workspace (${why})` };
    }
    return { ok: true, sets: this.out };
  }

  private stdout(chunk: Buffer, from: number, to: number): void {
    let at = from;
    while (at < to) {
      const newline = chunk.indexOf(NEWLINE, at);
      const end = newline < 0 || newline >= to ? to : newline;
      this.lineBytes(chunk, at, end);
      if (end === newline) {
        this.lineEnd();
        if (this.failed !== undefined) return;
      }
      at = end === newline ? end + 1 : end;
    }
  }

  private lineBytes(chunk: Buffer, from: number, to: number): void {
    let at = from;
    if (this.kind === 'start') {
      // Base64 never starts with '@': most lines are decided by their first byte.
      while (at < to && this.headBytes < MARK_BYTES.length) {
        if (chunk[at] !== MARK_BYTES[this.headBytes]) {
          this.kind = 'data';
          break;
        }
        this.head[this.headBytes++] = chunk[at++]!;
      }
      if (this.kind === 'start' && this.headBytes === MARK_BYTES.length) this.kind = 'mark';
      if (this.kind === 'start') return;
      if (this.kind === 'data') this.data(this.head, 0, this.headBytes);
      else this.markLine.push(Buffer.from(this.head));
      this.headBytes = 0;
    }
    if (at === to) return;
    if (this.kind === 'data') this.data(chunk, at, to);
    else this.markLine.push(Buffer.from(chunk.subarray(at, to)));
  }

  private lineEnd(): void {
    // A line that is only the start of a mark (`@@sl`) is not one: data, as any other line.
    if (this.kind === 'start' && this.headBytes > 0) this.data(this.head, 0, this.headBytes);
    const mark = this.kind === 'mark' ? Buffer.concat(this.markLine).toString('utf8') : undefined;
    this.kind = 'start';
    this.headBytes = 0;
    this.markLine = [];
    if (mark !== undefined) this.onMark(mark.endsWith('\r') ? mark.slice(0, -1) : mark);
  }

  private onMark(text: string): void {
    const [, kind = '', ...rest] = text.split(' ');
    if (kind === 'missing') this.missing.push(rest.join(' '));
    else if (kind === 'set') {
      this.scratchBytes = 0;
      this.current = {
        set: { name: rest.join(' '), files: [], missing: this.missing.splice(0), tooBig: [], totalBytes: 0 },
        pieces: [],
        bytes: 0,
      };
    } else if (kind === 'tar' && this.current && this.current.bytes === 0) {
      const size = Number(rest.find(Boolean) ?? NaN);
      const limit = this.sets.find((s) => s.name === this.current!.set.name)?.maxTotalBytes ?? 0;
      if (Number.isSafeInteger(size) && size > 0 && size <= 2 * limit + TAR_OVERHEAD_BYTES)
        this.current.into = Buffer.allocUnsafe(size);
    } else if (kind === 'too-big' && this.current) {
      const [size = '0', ...path] = rest;
      this.current.set.tooBig.push({ path: path.join(' '), size: Number(size) });
    } else if (kind === 'end' && this.current) {
      this.decode(true);
      const { set, into, pieces, bytes } = this.current;
      this.current = undefined;
      set.totalBytes = Number(rest.at(-1) ?? 0);
      const data = into ? into.subarray(0, bytes) : pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, bytes);
      pieces.length = 0;
      if (data.length > 0 && this.sets.find((s) => s.name === set.name)?.raw) {
        set.archive = data;
      } else if (data.length > 0) {
        const tar = readTar(data);
        if (!tar.ok) {
          this.failed = `the files of ${set.name} came back unreadable: ${tar.error}`;
          return;
        }
        set.files = tar.files;
      }
      this.out.push(set);
    }
  }

  /** Base64 bytes of the current set (none outside a set), kept until `decode`. */
  private data(source: Buffer, from: number, to: number): void {
    if (!this.current) return;
    if (this.scratchBytes + (to - from) > this.scratch.length) {
      this.decode(false);
      if (this.scratchBytes + (to - from) > this.scratch.length) {
        const larger = Buffer.alloc(Math.max(this.scratch.length * 2, this.scratchBytes + (to - from)));
        this.scratch.copy(larger, 0, 0, this.scratchBytes);
        this.scratch = larger;
      }
    }
    this.scratchBytes += source.copy(this.scratch, this.scratchBytes, from, to);
  }

  /**
   * Decodes the whole groups of four base64 characters held (all of them at a set's end) into
   * a piece of the current set, and carries the rest. Whitespace (a line's `\r`, spaces the old
   * line-by-line reading trimmed) is dropped first, so it never shifts the groups.
   */
  private decode(final: boolean): void {
    if (!this.current || this.scratchBytes === 0) return;
    this.dropWhitespace();
    const whole = final ? this.scratchBytes : this.scratchBytes - (this.scratchBytes % 4);
    if (whole === 0) return;
    const text = this.scratch.toString('latin1', 0, whole);
    const set = this.current;
    if (set.into && set.bytes + Buffer.byteLength(text, 'base64') <= set.into.length) {
      set.bytes += set.into.write(text, set.bytes, 'base64');
    } else {
      // More than the size mark said: what was decoded becomes the first piece.
      if (set.into) set.pieces.push(set.into.subarray(0, set.bytes));
      set.into = undefined;
      const piece = Buffer.from(text, 'base64');
      if (piece.length > 0) set.pieces.push(piece);
      set.bytes += piece.length;
    }
    this.scratch.copy(this.scratch, 0, whole, this.scratchBytes);
    this.scratchBytes -= whole;
  }

  private dropWhitespace(): void {
    const held = this.scratch.subarray(0, this.scratchBytes);
    if (held.indexOf(0x0d) < 0 && held.indexOf(0x20) < 0 && held.indexOf(0x09) < 0) return;
    let kept = 0;
    for (let i = 0; i < this.scratchBytes; i++) {
      const byte = this.scratch[i]!;
      if (byte !== 0x0d && byte !== 0x20 && byte !== 0x09 && byte !== 0x0b && byte !== 0x0c)
        this.scratch[kept++] = byte;
    }
    this.scratchBytes = kept;
  }

  private otherStream(stream: 'stderr' | 'daemon', chunk: Buffer, from: number, to: number): void {
    const line = this.other[stream];
    let at = from;
    while (at < to) {
      const newline = chunk.indexOf(NEWLINE, at);
      const end = newline < 0 || newline >= to ? to : newline;
      const room = MAX_STDERR_LINE_BYTES - line.bytes;
      if (room > 0 && end > at) {
        const part = Buffer.from(chunk.subarray(at, Math.min(end, at + room)));
        line.parts.push(part);
        line.bytes += part.length;
      }
      if (end === newline) this.otherLine(stream);
      at = end === newline ? end + 1 : end;
    }
  }

  private otherLine(stream: 'stderr' | 'daemon'): void {
    const line = this.other[stream];
    const text = Buffer.concat(line.parts).toString('utf8');
    line.parts = [];
    line.bytes = 0;
    this.stderr.push((stream === 'daemon' ? '[docker] ' : '') + (text.endsWith('\r') ? text.slice(0, -1) : text));
    if (this.stderr.length > STDERR_TAIL) this.stderr.shift();
  }
}
