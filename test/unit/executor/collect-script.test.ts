import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectScript } from '../../../services/executor/backend/collect-script.js';
import { CollectorLogReader } from '../../../services/executor/backend/collector-log-reader.js';
import type { CollectResult, FileSet } from '../../../services/executor/backend/types.js';
import { fileSet } from '../../support/file-sets.js';
import { framedLines } from '../../support/docker-frames.js';

/**
 * The collector job's script, run with the host's sh and tools (busybox on the swarm:
 * integration tests), its output framed as the engine's log of it, read back.
 */
function run(dir: string, sets: FileSet[]): CollectResult {
  return read(framedLines(1, execFileSync('/bin/sh', ['-c', collectScript(sets, dir)])), sets);
}

function read(log: Buffer, sets: FileSet[]): CollectResult {
  const reader = new CollectorLogReader(sets);
  reader.push(log);
  return reader.end();
}

describe('the collector script', () => {
  const workspace = () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-ws-'));
    mkdirSync(join(dir, 'dist', 'deep'), { recursive: true });
    mkdirSync(join(dir, 'build', 'junit'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'app.js'), 'app');
    writeFileSync(join(dir, 'dist', 'deep', "it's here.txt"), 'quoted');
    writeFileSync(join(dir, 'build', 'junit', 'a.xml'), '<testsuite/>');
    writeFileSync(join(dir, 'build', 'junit', 'b.txt'), 'not a report');
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(5000));
    return dir;
  };
  const set = fileSet;

  it('takes the files of directories and paths, and the files globs match, naming what is missing', () => {
    const dir = workspace();
    const sets = [
      set({ paths: ['dist', 'missing.txt', 'big.bin'] }),
      set({ name: 'reports', paths: ['build/junit/*.xml', 'nothing/*.xml'], globs: true }),
    ];
    const result = run(dir, sets);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [artifacts, reports] = result.sets;
    expect(artifacts!.files.map((f) => [f.path, f.bytes.length]).sort()).toEqual([
      ['big.bin', 5000],
      ['dist/app.js', 3],
      ["dist/deep/it's here.txt", 6],
    ]);
    expect(artifacts!.missing).toEqual(['missing.txt']);
    expect(artifacts!.totalBytes).toBe(5009);
    expect(reports!.files.map((f) => [f.path, f.bytes.toString()])).toEqual([['build/junit/a.xml', '<testsuite/>']]);
    expect(reports!.missing).toEqual(['nothing/*.xml']);
  });

  it('takes nothing of a set with a file or a total over its limits, and says which', () => {
    const dir = workspace();
    const sets = [
      set({ paths: ['dist', 'big.bin'], maxFileBytes: 4096 }),
      set({ name: 'b', paths: ['dist'], maxTotalBytes: 5 }),
    ];
    const result = run(dir, sets);
    expect(result).toEqual({
      ok: true,
      sets: [
        { name: 'artifacts', files: [], missing: [], tooBig: [{ path: 'big.bin', size: 5000 }], totalBytes: 5009 },
        { name: 'b', files: [], missing: [], tooBig: [], totalBytes: 9 },
      ],
    });
  });

  it('says the log was cut when a set never ended', () => {
    const sets = [set({ paths: ['dist'] })];
    expect(read(framedLines(2, 'tar: short read\n'), sets)).toEqual({
      ok: false,
      reason: 'the files could not be read from the workspace (tar: short read)',
    });
  });
});
