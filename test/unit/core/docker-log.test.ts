import { describe, expect, it } from '@jest/globals';
import { decodeDockerLog, DockerLogDecoder } from '../../../services/executor/backend/docker-log.js';
import type { LogLine } from '../../../services/core/builds/log-line.js';

/** One frame of Docker's multiplexed stream: [type, 0, 0, 0, uint32 BE length] then the bytes. */
function frame(type: 1 | 2 | 3, text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** A frame around raw bytes, which need not be whole characters. */
function rawFrame(type: 1 | 2 | 3, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

const T1 = '2026-11-23T18:00:00.123456789Z';
const T2 = '2026-11-23T18:00:01.5Z';
const T3 = '2026-11-23T18:00:02Z';

/** A log with several frames: stdout and stderr, a line split over two frames, a frame of two lines, UTF-8. */
const STREAM = Buffer.concat([
  frame(1, `${T1} npm test\n`),
  frame(2, `${T1} warn: deprecated package\n`),
  frame(1, `${T2} PASS src/app`),
  frame(1, `.test.ts (3 tests)\n`),
  frame(1, `${T2} héllo ✓ 🚀\n${T3} done\n`),
  frame(2, `${T3} exit 0\n`),
]);

const EXPECTED: LogLine[] = [
  { time: '2026-11-23T18:00:00.123Z', stream: 'stdout', text: 'npm test' },
  { time: '2026-11-23T18:00:00.123Z', stream: 'stderr', text: 'warn: deprecated package' },
  { time: '2026-11-23T18:00:01.500Z', stream: 'stdout', text: 'PASS src/app.test.ts (3 tests)' },
  { time: '2026-11-23T18:00:01.500Z', stream: 'stdout', text: 'héllo ✓ 🚀' },
  { time: '2026-11-23T18:00:02.000Z', stream: 'stdout', text: 'done' },
  { time: '2026-11-23T18:00:02.000Z', stream: 'stderr', text: 'exit 0' },
];

/** Feeds `buffer` to a fresh decoder in the given chunks and returns every line. */
function decodeInChunks(buffer: Buffer, cuts: number[]): LogLine[] {
  const decoder = new DockerLogDecoder();
  const out: LogLine[] = [];
  let from = 0;
  for (const cut of [...cuts, buffer.length]) {
    out.push(...decoder.push(buffer.subarray(from, cut)));
    from = cut;
  }
  return [...out, ...decoder.end()];
}

describe('decodeDockerLog', () => {
  it('splits a whole multiplexed log into lines with their stream and Docker timestamp', () => {
    expect(decodeDockerLog(STREAM)).toEqual(EXPECTED);
  });

  it('parses a nanosecond timestamp into an ISO time and drops it from the text', () => {
    expect(decodeDockerLog(frame(1, '2026-11-23T18:00:00.123456789Z text\n'))).toEqual([
      { time: '2026-11-23T18:00:00.123Z', stream: 'stdout', text: 'text' },
    ]);
  });

  it('keeps a line without timestamp whole, stamped with a valid time', () => {
    const [line, ...rest] = decodeDockerLog(frame(1, 'no timestamp here\n'));
    expect(rest).toEqual([]);
    expect(line?.text).toBe('no timestamp here');
    expect(line?.stream).toBe('stdout');
    expect(new Date(line!.time).toISOString()).toBe(line!.time);
  });

  it('does not take a word that only looks like a date for a timestamp', () => {
    const [line] = decodeDockerLog(frame(1, `2026-11-23 is the date\n`));
    expect(line?.text).toBe('2026-11-23 is the date');
  });

  it('drops the carriage return of CRLF lines and keeps empty lines', () => {
    expect(decodeDockerLog(frame(1, `${T3} progress 50%\r\n${T3} \n`)).map((l) => l.text)).toEqual([
      'progress 50%',
      '',
    ]);
  });

  it('returns a last line that has no newline', () => {
    expect(
      decodeDockerLog(Buffer.concat([frame(1, `${T1} first\n${T3} last without newline`)])).map((l) => l.text),
    ).toEqual(['first', 'last without newline']);
  });

  it('prefixes daemon errors (type 3 frames) with [docker] on stderr', () => {
    const [line, ...rest] = decodeDockerLog(frame(3, 'error from daemon in stream: Error grabbing logs: EOF\n'));
    expect(rest).toEqual([]);
    expect(line?.stream).toBe('stderr');
    expect(line?.text).toBe('[docker] error from daemon in stream: Error grabbing logs: EOF');
  });

  it('keeps a daemon error apart from the step output around it', () => {
    const lines = decodeDockerLog(
      Buffer.concat([frame(1, `${T1} building\n`), frame(3, 'context canceled\n'), frame(2, `${T2} oops\n`)]),
    );
    expect(lines.map((l) => [l.stream, l.text])).toEqual([
      ['stdout', 'building'],
      ['stderr', '[docker] context canceled'],
      ['stderr', 'oops'],
    ]);
  });

  it('keeps a character whole when Docker splits it across two frames', () => {
    const bytes = Buffer.from(`${T1} héllo ✓ 🚀 done\n`, 'utf8');
    // Cut inside é (2 bytes), ✓ (3 bytes) and 🚀 (4 bytes): each cut gives frames of invalid UTF-8.
    for (const ch of ['é', '✓', '🚀']) {
      const at = bytes.indexOf(Buffer.from(ch, 'utf8')) + 1;
      const frames = Buffer.concat([rawFrame(1, bytes.subarray(0, at)), rawFrame(1, bytes.subarray(at))]);
      expect(decodeDockerLog(frames).map((l) => l.text)).toEqual(['héllo ✓ 🚀 done']);
    }
  });

  it('decodes stdout and stderr apart when both split a character at once', () => {
    const out = Buffer.from(`${T1} 日本\n`, 'utf8');
    const err = Buffer.from(`${T2} ошибка\n`, 'utf8');
    const o = out.indexOf(Buffer.from('本', 'utf8')) + 2;
    const e = err.indexOf(Buffer.from('ш', 'utf8')) + 1;
    const lines = decodeDockerLog(
      Buffer.concat([
        rawFrame(1, out.subarray(0, o)),
        rawFrame(2, err.subarray(0, e)),
        rawFrame(1, out.subarray(o)),
        rawFrame(2, err.subarray(e)),
      ]),
    );
    expect(lines.map((l) => [l.stream, l.text])).toEqual([
      ['stdout', '日本'],
      ['stderr', 'ошибка'],
    ]);
  });

  it('gives nothing for an empty log', () => {
    expect(decodeDockerLog(Buffer.alloc(0))).toEqual([]);
  });
});

describe('DockerLogDecoder fed chunk by chunk', () => {
  it('gives the same lines whatever byte the stream is cut at, inside a header or a body', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      expect({ cut, lines: decodeInChunks(STREAM, [cut]) }).toEqual({ cut, lines: EXPECTED });
    }
  });

  it('gives the same lines when every byte arrives on its own', () => {
    const cuts = Array.from({ length: STREAM.length - 1 }, (_, i) => i + 1);
    expect(decodeInChunks(STREAM, cuts)).toEqual(EXPECTED);
  });

  it('gives the same lines for chunks of 3, 7 and 13 bytes (cut inside headers and multi-byte characters)', () => {
    for (const size of [3, 7, 13]) {
      const cuts = Array.from({ length: Math.floor((STREAM.length - 1) / size) }, (_, i) => (i + 1) * size);
      expect(decodeInChunks(STREAM, cuts)).toEqual(EXPECTED);
    }
  });

  it('emits a line as soon as its frame is complete, and holds a partial frame', () => {
    const decoder = new DockerLogDecoder();
    const first = frame(1, `${T1} one\n`);
    const second = frame(2, `${T1} two\n`);
    expect(decoder.push(Buffer.concat([first, second.subarray(0, 5)])).map((l) => l.text)).toEqual(['one']);
    expect(decoder.push(second.subarray(5))).toEqual([
      { time: '2026-11-23T18:00:00.123Z', stream: 'stderr', text: 'two' },
    ]);
    expect(decoder.end()).toEqual([]);
  });

  it('keeps the partial lines of stdout and stderr apart', () => {
    const decoder = new DockerLogDecoder();
    const lines = [
      ...decoder.push(frame(1, `${T1} out-`)),
      ...decoder.push(frame(2, `${T2} err-`)),
      ...decoder.push(frame(1, 'line\n')),
      ...decoder.push(frame(2, 'line\n')),
    ];
    expect(lines).toEqual([
      { time: '2026-11-23T18:00:00.123Z', stream: 'stdout', text: 'out-line' },
      { time: '2026-11-23T18:00:01.500Z', stream: 'stderr', text: 'err-line' },
    ]);
  });

  it('end() returns the unfinished line of each stream once', () => {
    const decoder = new DockerLogDecoder();
    expect(decoder.push(Buffer.concat([frame(1, `${T1} out`), frame(2, `${T2} err`)]))).toEqual([]);
    expect(decoder.end()).toEqual([
      { time: '2026-11-23T18:00:00.123Z', stream: 'stdout', text: 'out' },
      { time: '2026-11-23T18:00:01.500Z', stream: 'stderr', text: 'err' },
    ]);
    expect(decoder.end()).toEqual([]);
  });
});
