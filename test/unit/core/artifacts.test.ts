import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { globBase, globToRegExp } from '../../../services/core/artifacts/glob.js';
import { artifactProblems, formatBytes } from '../../../services/core/artifacts/limits.js';
import { cleanPath, readTar, writeTar } from '../../../services/core/artifacts/tar.js';

describe('tar', () => {
  it('reads back what it writes, long names and binary bytes included', () => {
    const long = `${'deep/'.repeat(30)}file.txt`;
    const longer = `${'x'.repeat(120)}/${'y'.repeat(120)}.bin`;
    const files = [
      { path: 'a.txt', bytes: Buffer.from('hello\n') },
      { path: long, bytes: Buffer.alloc(1500, 7) },
      { path: longer, bytes: Buffer.from([0, 255, 1, 254]) },
      { path: 'empty', bytes: Buffer.alloc(0) },
    ];
    expect(readTar(writeTar(files))).toEqual({ ok: true, files, skipped: [] });
  });

  it('reads what GNU tar writes, and what GNU tar extracts is what it wrote', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-tar-'));
    mkdirSync(join(dir, 'dist', `${'n'.repeat(110)}`), { recursive: true });
    writeFileSync(join(dir, 'dist', 'app.js'), 'console.log(1)\n');
    writeFileSync(join(dir, 'dist', 'n'.repeat(110), 'long.txt'), 'long\n');
    execFileSync('ln', ['-s', '/etc/passwd', join(dir, 'dist', 'link')]);
    const archive = execFileSync('tar', ['cf', '-', '-C', dir, 'dist']);
    const read = readTar(archive);
    expect(read.ok && read.files.map((f) => [f.path, f.bytes.toString()]).sort()).toEqual([
      ['dist/app.js', 'console.log(1)\n'],
      [`dist/${'n'.repeat(110)}/long.txt`, 'long\n'],
    ]);
    expect(read.ok && read.skipped).toEqual(['dist/link']);
    const out = mkdtempSync(join(tmpdir(), 'slipway-untar-'));
    execFileSync('tar', ['xf', '-', '-C', out], { input: writeTar(read.ok ? read.files : []) });
    expect(execFileSync('cat', [join(out, 'dist', 'n'.repeat(110), 'long.txt')]).toString()).toBe('long\n');
  });

  it('refuses a damaged archive and paths that leave the workspace', () => {
    const archive = writeTar([{ path: 'a', bytes: Buffer.from('a') }]);
    archive[10] = 1;
    expect(readTar(archive)).toEqual({ ok: false, error: 'bad tar header checksum at byte 0' });
    expect(['../x', '/etc/passwd', 'a/../../b', '.'].map(cleanPath)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(cleanPath('./a//b/./c')).toBe('a/b/c');
  });
});

describe('report globs', () => {
  const matches = (glob: string, path: string) => new RegExp(globToRegExp(glob)).test(path);

  it('matches * within a directory, ** across directories, ? one character, and the rest literally', () => {
    expect(matches('build/junit/*.xml', 'build/junit/a.xml')).toBe(true);
    expect(matches('build/junit/*.xml', 'build/junit/sub/a.xml')).toBe(false);
    expect(matches('build/junit/*.xml', 'build/junitXa.xml')).toBe(false);
    expect(matches('packages/**/junit.xml', 'packages/a/b/junit.xml')).toBe(true);
    expect(matches('packages/**/junit.xml', 'packages/junit.xml')).toBe(true);
    expect(matches('report-?.xml', 'report-1.xml')).toBe(true);
    expect(matches('a+b (1).xml', 'a+b (1).xml')).toBe(true);
    expect(matches('a.xml', 'abxml')).toBe(false);
    expect(globBase('build/junit/*.xml')).toBe('build/junit');
    expect(globBase('**/junit.xml')).toBe('.');
    expect(globBase('junit.xml')).toBe('.');
  });
});

describe('artifact limits', () => {
  const limits = { maxFileBytes: 1024, maxBuildBytes: 4096 };
  it('names each file over its limit and a build over its total, a path kept again counted once', () => {
    expect(artifactProblems([{ path: 'a', size: 1024 }], [{ path: 'old', size: 3072 }], limits)).toEqual([]);
    expect(artifactProblems([{ path: 'a', size: 2000 }], [], limits)).toEqual([
      'a is 2 KiB, more than the 1 KiB a file may be (SLIPWAY_ARTIFACT_MAX_FILE_BYTES)',
    ]);
    expect(artifactProblems([{ path: 'a', size: 1000 }], [{ path: 'b', size: 3500 }], limits)).toEqual([
      "the build's artifacts would be 4.4 KiB, more than the 4 KiB a build may keep (SLIPWAY_ARTIFACT_MAX_BUILD_BYTES)",
    ]);
    expect(artifactProblems([{ path: 'a', size: 1000 }], [{ path: 'a', size: 4000 }], limits)).toEqual([]);
    expect([0, 1023, 1536, 20 * 1048576].map(formatBytes)).toEqual(['0 bytes', '1023 bytes', '1.5 KiB', '20 MiB']);
  });
});
