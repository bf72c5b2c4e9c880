import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { globToRegExp } from '../../core/artifacts/glob.js';
import { cleanPath, readTar, writeTar, type TarFile } from '../../core/artifacts/tar.js';
import type { CollectedSet, CollectResult, FileSet } from './types.js';

/** The fake backend's `collectFiles`: the sets' files read from its workspace folder, as the Swarm collector would. */
export async function collectFromFolder(dir: string, sets: readonly FileSet[]): Promise<CollectResult> {
  const out: CollectedSet[] = [];
  for (const set of sets) {
    const missing: string[] = [];
    const paths = new Set<string>();
    if (set.globs) {
      const all = await filesUnder(dir, '.');
      for (const glob of set.paths) {
        const pattern = new RegExp(globToRegExp(glob));
        const found = all.filter((p) => pattern.test(p));
        if (found.length === 0) missing.push(glob);
        for (const p of found) paths.add(p);
      }
    } else {
      for (const path of set.paths) {
        const found = await filesUnder(dir, path);
        if (found.length === 0) missing.push(path);
        for (const p of found) paths.add(p);
      }
    }
    const files: TarFile[] = [];
    for (const path of [...paths].sort()) files.push({ path, bytes: await readFile(join(dir, path)) });
    const tooBig = files
      .filter((f) => f.bytes.length > set.maxFileBytes)
      .map((f) => ({ path: f.path, size: f.bytes.length }));
    const totalBytes = files.reduce((sum, f) => sum + f.bytes.length, 0);
    const fits = tooBig.length === 0 && totalBytes <= set.maxTotalBytes;
    // The fake keeps regular files only: a raw set's archive is theirs, without modes or links.
    out.push({
      name: set.name,
      files: fits && !set.raw ? files : [],
      missing,
      tooBig,
      totalBytes,
      ...(fits && set.raw && files.length > 0 ? { archive: writeTar(files) } : {}),
    });
  }
  return { ok: true, sets: out };
}

/** Extracts a tar archive into the folder (regular files only, never outside it). */
export async function restoreIntoFolder(dir: string, archive: Buffer): Promise<void> {
  const tar = readTar(archive);
  if (!tar.ok) throw new Error(tar.error);
  const root = resolve(dir);
  for (const file of tar.files) {
    const target = resolve(root, file.path);
    if (!target.startsWith(`${root}${sep}`)) continue;
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.bytes);
  }
}

/** Regular files at or under `path` (links not followed), relative to `dir`. */
async function filesUnder(dir: string, path: string): Promise<string[]> {
  const clean = path === '.' ? '.' : cleanPath(path);
  if (clean === undefined) return [];
  const full = join(dir, clean);
  const stat = await lstat(full).catch(() => undefined);
  if (!stat) return [];
  if (stat.isFile()) return [relative(dir, full).split(sep).join('/')];
  if (!stat.isDirectory()) return [];
  const found: string[] = [];
  for (const entry of await readdir(full))
    found.push(...(await filesUnder(dir, clean === '.' ? entry : `${clean}/${entry}`)));
  return found;
}
