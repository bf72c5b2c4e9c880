import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTar } from '../../../services/core/artifacts/tar.js';
import { collectScript } from '../../../services/executor/backend/collect-script.js';
import { CollectorLogReader } from '../../../services/executor/backend/collector-log-reader.js';
import type { CollectResult, FileSet } from '../../../services/executor/backend/types.js';
import { fileSet } from '../../support/file-sets.js';
import { dockerFrame, framedLines } from '../../support/docker-frames.js';
import { random } from '../../support/seeded-random.js';

const next = random(7);
const DATA = Buffer.from(Array.from({ length: 3000 }, () => Math.floor(next() * 256)));

const set = fileSet;

/** Artifacts (a file with a UTF-8 name, one missing, one too big), reports by glob, and a raw cache set. */
const SETS = [
  set({ paths: ['dist', 'dist/ünïcode-missing.txt'] }),
  set({ name: 'too big', paths: ['big-ñ.bin'], maxFileBytes: 4096 }),
  set({ name: 'reports', paths: ['build/*.xml'], globs: true }),
  set({ name: 'cache', paths: ['dist'], raw: true }),
];

/** The collector script's stdout over a workspace made for SETS, run with the host's sh and tools. */
function collectorOutput(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-ws-'));
  mkdirSync(join(dir, 'dist'), { recursive: true });
  mkdirSync(join(dir, 'build'), { recursive: true });
  writeFileSync(join(dir, 'dist', 'app.js'), 'app');
  writeFileSync(join(dir, 'dist', 'héllo ✓.txt'), 'utf-8 name');
  writeFileSync(join(dir, 'dist', 'data.bin'), DATA);
  writeFileSync(join(dir, 'big-ñ.bin'), Buffer.alloc(5000));
  writeFileSync(join(dir, 'build', 'a.xml'), '<testsuite/>');
  return execFileSync('/bin/sh', ['-c', collectScript(SETS, dir)]);
}

const OUTPUT = collectorOutput();
const LOG = framedLines(1, OUTPUT);

/** Feeds `log` to a fresh reader cut at `cuts` (byte offsets, ascending). */
function readInChunks(log: Buffer, cuts: number[], sets: readonly FileSet[] = SETS): CollectResult {
  const reader = new CollectorLogReader(sets);
  let from = 0;
  for (const cut of [...cuts, log.length]) {
    reader.push(log.subarray(from, cut));
    from = cut;
  }
  return reader.end();
}

/** The files of each set, by path, as text (binary files as their length and a few bytes). */
function summary(result: CollectResult) {
  if (!result.ok) return result;
  return result.sets.map((s) => ({
    ...s,
    files: s.files.map((f) => [f.path, f.path.endsWith('.bin') ? f.bytes.toString('hex') : f.bytes.toString()]).sort(),
    archive: s.archive && readTar(s.archive),
  }));
}

/** OUTPUT with each set's base64 wrapped at `width` columns and lines ended by `eol`. */
function rewrapped(width: number, eol: string): Buffer {
  const out: string[] = [];
  let base64 = '';
  for (const line of OUTPUT.toString('utf8').split('\n').slice(0, -1)) {
    if (!line.startsWith('@@slipway')) {
      base64 += line;
      continue;
    }
    for (let i = 0; i < base64.length; i += width) out.push(base64.slice(i, i + width));
    base64 = '';
    out.push(line);
  }
  return Buffer.from(out.map((l) => l + eol).join(''), 'utf8');
}

const WHOLE = readInChunks(LOG, []);

describe('reading the collector log as it arrives', () => {
  it('reads every set of a whole log: files, missing paths, too-big files, a raw archive', () => {
    expect(WHOLE.ok).toBe(true);
    if (!WHOLE.ok) return;
    const [artifacts, tooBig, reports, cache] = WHOLE.sets;
    expect(artifacts!.files.map((f) => f.path).sort()).toEqual(['dist/app.js', 'dist/data.bin', 'dist/héllo ✓.txt']);
    expect(artifacts!.files.find((f) => f.path === 'dist/data.bin')!.bytes.equals(DATA)).toBe(true);
    expect(artifacts!.files.find((f) => f.path === 'dist/héllo ✓.txt')!.bytes.toString()).toBe('utf-8 name');
    expect(artifacts!.missing).toEqual(['dist/ünïcode-missing.txt']);
    expect(artifacts!.totalBytes).toBe(3 + 10 + 3000);
    expect(tooBig).toEqual({
      name: 'too big',
      files: [],
      missing: [],
      tooBig: [{ path: 'big-ñ.bin', size: 5000 }],
      totalBytes: 5000,
    });
    expect(reports!.files.map((f) => [f.path, f.bytes.toString()])).toEqual([['build/a.xml', '<testsuite/>']]);
    expect(cache!.files).toEqual([]);
    const archived = readTar(cache!.archive!);
    expect(archived.ok && archived.files.map((f) => f.path).sort()).toEqual([
      'dist/app.js',
      'dist/data.bin',
      'dist/héllo ✓.txt',
    ]);
  });

  it('reads the same whatever byte the log is cut at: in a frame header, a base64 line, a UTF-8 name', () => {
    const expected = summary(WHOLE);
    const marks = ['dist/ünïcode', 'big-ñ', '@@slipway end cache'].map((text) => LOG.indexOf(Buffer.from(text)));
    const cuts = [
      ...Array.from({ length: 400 }, (_, i) => i),
      // Inside the two-byte characters (ü, ñ) of names in mark lines, and around a set's end mark.
      ...marks.flatMap((at) => Array.from({ length: 30 }, (_, i) => at - 12 + i)),
      // Inside base64 lines and the frame headers between them, across the whole log.
      ...Array.from({ length: 200 }, (_, i) => Math.floor(((i + 0.5) * LOG.length) / 200)),
    ];
    for (const cut of cuts)
      expect({ cut, result: summary(readInChunks(LOG, [cut])) }).toEqual({ cut, result: expected });
  });

  it('reads the same when every byte arrives on its own, and in chunks of random sizes', () => {
    const expected = summary(WHOLE);
    expect(
      summary(
        readInChunks(
          LOG,
          Array.from({ length: LOG.length - 1 }, (_, i) => i + 1),
        ),
      ),
    ).toEqual(expected);
    const size = random(11);
    for (let round = 0; round < 20; round++) {
      const cuts: number[] = [];
      for (let at = Math.ceil(size() * 200); at < LOG.length; at += Math.ceil(size() * 2000)) cuts.push(at);
      expect(summary(readInChunks(LOG, cuts))).toEqual(expected);
    }
  });

  it('reads the same when the engine cuts frames by size, inside lines and characters', () => {
    const frames: Buffer[] = [];
    for (let at = 0; at < OUTPUT.length; at += 997) frames.push(dockerFrame(1, OUTPUT.subarray(at, at + 997)));
    expect(summary(readInChunks(Buffer.concat(frames), [5000, 5003]))).toEqual(summary(WHOLE));
  });

  it('reads base64 wrapped at widths that are not a multiple of 4, with CRLF line ends', () => {
    for (const [width, eol] of [
      [50, '\n'],
      [77, '\r\n'],
      [1, '\n'],
      [4096, '\n'],
    ] as const) {
      expect({ width, result: summary(readInChunks(framedLines(1, rewrapped(width, eol)), [333])) }).toEqual({
        width,
        result: summary(WHOLE),
      });
    }
  });

  it('reads the same without the archive size marks, or with ones that are wrong', () => {
    const lines = OUTPUT.toString('utf8').split('\n');
    const withSize = (size: (real: number) => string | undefined) =>
      Buffer.from(
        lines
          .flatMap((line) => {
            const real = /^@@slipway tar (\d+)$/.exec(line)?.[1];
            if (real === undefined) return [line];
            const said = size(Number(real));
            return said === undefined ? [] : [`@@slipway tar ${said}`];
          })
          .join('\n'),
      );
    expect(lines.filter((l) => l.startsWith('@@slipway tar ')).length).toBe(3);
    for (const size of [() => undefined, (n: number) => String(n - 700), (n: number) => String(n + 1), () => '1e12'])
      expect(summary(readInChunks(framedLines(1, withSize(size)), [4096, 9000]))).toEqual(summary(WHOLE));
  });

  it('says the log was cut, with the last lines of stderr and the engine’s own error, when a set never ended', () => {
    // The engine's log ends after a whole frame: here in the middle of the reports' base64.
    const cut = framedLines(1, OUTPUT.subarray(0, OUTPUT.indexOf('@@slipway end reports') - 30));
    expect(readInChunks(cut, [100])).toEqual({
      ok: false,
      reason: 'the files could not be read from the workspace (its log ended early)',
    });
    const log = Buffer.concat([
      cut,
      framedLines(2, 'find: one\nfind: two\ntar: short read\n'),
      dockerFrame(3, 'Error grabbing logs: EOF\n'),
    ]);
    expect(readInChunks(log, [cut.length + 3])).toEqual({
      ok: false,
      reason:
        'the files could not be read from the workspace ' +
        '(find: two / tar: short read / [docker] Error grabbing logs: EOF)',
    });
  });

  it('says which set came back unreadable', () => {
    const sets = [set({ paths: ['dist'] })];
    const log = framedLines(
      1,
      `@@slipway set artifacts\n${Buffer.alloc(600, 'x').toString('base64')}\n@@slipway end artifacts 600\n`,
    );
    expect(readInChunks(log, [50], sets)).toEqual({
      ok: false,
      reason: 'the files of artifacts came back unreadable: bad tar header checksum at byte 0',
    });
  });

  it('answers no sets for a log of no sets, and reads a last line without a newline', () => {
    expect(readInChunks(Buffer.alloc(0), [], [])).toEqual({ ok: true, sets: [] });
    const sets = [set({ paths: ['none'] })];
    const log = framedLines(1, '@@slipway missing none\n@@slipway set artifacts\n@@slipway end artifacts 0');
    expect(readInChunks(log, [], sets)).toEqual({
      ok: true,
      sets: [{ name: 'artifacts', files: [], missing: ['none'], tooBig: [], totalBytes: 0 }],
    });
  });
});
