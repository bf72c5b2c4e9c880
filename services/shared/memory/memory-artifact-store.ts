import type { TarFile } from '../../core/artifacts/tar.js';
import type { ArtifactEntry, ArtifactStore } from '../ports/artifact-store.js';

/** Artifacts in this process's memory (unit tests, `slipway run`). */
export class MemoryArtifactStore implements ArtifactStore {
  private readonly builds = new Map<string, Map<string, { entry: ArtifactEntry; bytes: Buffer }>>();

  async put(
    buildId: string,
    from: { step: string; stage: string },
    files: readonly TarFile[],
    at: string,
  ): Promise<void> {
    const kept = this.builds.get(buildId) ?? new Map<string, { entry: ArtifactEntry; bytes: Buffer }>();
    this.builds.set(buildId, kept);
    for (const file of files) {
      kept.set(file.path, {
        entry: { path: file.path, size: file.bytes.length, ...from, createdAt: at },
        bytes: Buffer.from(file.bytes),
      });
    }
  }

  async list(buildId: string): Promise<ArtifactEntry[]> {
    return [...(this.builds.get(buildId)?.values() ?? [])]
      .map((k) => ({ ...k.entry }))
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  async read(buildId: string, path: string): Promise<Buffer | undefined> {
    const bytes = this.builds.get(buildId)?.get(path)?.bytes;
    return bytes ? Buffer.from(bytes) : undefined;
  }

  async expire(before: string): Promise<string[]> {
    const gone: string[] = [];
    for (const [buildId, kept] of this.builds) {
      const newest = [...kept.values()].reduce((m, k) => (k.entry.createdAt > m ? k.entry.createdAt : m), '');
      if (newest < before) {
        this.builds.delete(buildId);
        gone.push(buildId);
      }
    }
    return gone;
  }
}
