import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { cleanPath, type TarFile } from '../../core/artifacts/tar.js';
import type { ArtifactEntry, ArtifactStore } from '../ports/artifact-store.js';

const BUILD_ID = /^[A-Za-z0-9_.-]+$/;

/**
 * Artifacts in a directory (SLIPWAY_ARTIFACTS_DIR; a volume when Slipway runs in the stack),
 * shared by the executor that writes and the receiver that serves them:
 * `<dir>/<build>/files/<path>` and `<dir>/<build>/index.json` (the entries). Each file and
 * the index are written to a temporary name and renamed, so a reader sees a file whole or
 * not at all; the index is written after the files it lists. One writer per build (its
 * executor), so the index's read-modify-write needs no lock across processes; within this
 * process the writes of one build are queued.
 */
export class FsArtifactStore implements ArtifactStore {
  private readonly root: string;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  put(buildId: string, from: { step: string; stage: string }, files: readonly TarFile[], at: string): Promise<void> {
    return this.queued(buildId, async () => {
      const base = this.buildDir(buildId);
      const entries = new Map((await this.list(buildId)).map((e) => [e.path, e]));
      for (const file of files) {
        const target = this.fileOf(base, file.path);
        await mkdir(dirname(target), { recursive: true });
        await atomicWrite(target, file.bytes);
        entries.set(file.path, { path: file.path, size: file.bytes.length, ...from, createdAt: at });
      }
      await atomicWrite(join(base, 'index.json'), Buffer.from(JSON.stringify([...entries.values()])));
    });
  }

  async list(buildId: string): Promise<ArtifactEntry[]> {
    if (!BUILD_ID.test(buildId)) return [];
    try {
      const text = await readFile(join(this.buildDir(buildId), 'index.json'), 'utf8');
      return (JSON.parse(text) as ArtifactEntry[]).sort((a, b) => a.path.localeCompare(b.path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  async read(buildId: string, path: string): Promise<Buffer | undefined> {
    const clean = cleanPath(path);
    if (!BUILD_ID.test(buildId) || clean === undefined) return undefined;
    // Only what the index lists is served: nothing else under the directory is reachable.
    if (!(await this.list(buildId)).some((e) => e.path === clean)) return undefined;
    try {
      return await readFile(this.fileOf(this.buildDir(buildId), clean));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async expire(before: string): Promise<string[]> {
    let builds: string[];
    try {
      builds = await readdir(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const gone: string[] = [];
    for (const buildId of builds.filter((b) => BUILD_ID.test(b))) {
      const entries = await this.list(buildId);
      const newest = entries.reduce((m, e) => (e.createdAt > m ? e.createdAt : m), '');
      if (newest >= before) continue;
      await this.queued(buildId, () => rm(this.buildDir(buildId), { recursive: true, force: true }));
      gone.push(buildId);
    }
    return gone;
  }

  private buildDir(buildId: string): string {
    if (!BUILD_ID.test(buildId)) throw new Error(`not a build id: ${JSON.stringify(buildId)}`);
    return join(this.root, buildId);
  }

  private fileOf(base: string, path: string): string {
    const clean = cleanPath(path);
    const target = clean === undefined ? undefined : resolve(base, 'files', clean);
    if (!target || !target.startsWith(`${resolve(base, 'files')}${sep}`))
      throw new Error(`artifact path outside its build: ${JSON.stringify(path)}`);
    return target;
  }

  private queued<T>(buildId: string, work: () => Promise<T>): Promise<T> {
    const before = this.queues.get(buildId) ?? Promise.resolve();
    const next = before.then(work, work);
    const settled = next.catch(() => undefined);
    this.queues.set(buildId, settled);
    void settled.then(() => {
      if (this.queues.get(buildId) === settled) this.queues.delete(buildId);
    });
    return next;
  }
}

async function atomicWrite(target: string, bytes: Buffer): Promise<void> {
  const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, target);
}
