import type { RepoRef } from '../../core/builds/types.js';
import type { StopReasons, Stops } from '../ports/stops.js';

/** Cancellations and supersessions in this process's memory; listeners are called at once. */
export class MemoryStops implements Stops {
  private readonly reasonsOf = new Map<string, StopReasons>();
  private readonly latest = new Map<string, string>();
  private readonly listeners = new Set<(buildId: string) => void>();

  async cancel(buildId: string, reason: string): Promise<void> {
    this.reasonsOf.set(buildId, { ...this.reasonsOf.get(buildId), cancelled: reason });
    this.announce(buildId);
  }

  async cancelLatest(repo: RepoRef, ref: string, reason: string): Promise<string | undefined> {
    const latest = this.latest.get(branch(repo, ref));
    if (latest) await this.cancel(latest, reason);
    return latest;
  }

  async supersedeOlder(repo: RepoRef, ref: string, buildId: string, sha: string): Promise<string | undefined> {
    const previous = this.latest.get(branch(repo, ref));
    this.latest.set(branch(repo, ref), buildId);
    if (!previous || previous === buildId) return undefined;
    this.reasonsOf.set(previous, { ...this.reasonsOf.get(previous), superseded: `superseded by ${sha.slice(0, 7)}` });
    this.announce(previous);
    return previous;
  }

  async reasons(buildId: string): Promise<StopReasons> {
    return { ...this.reasonsOf.get(buildId) };
  }

  async onStop(listener: (buildId: string) => void): Promise<() => Promise<void>> {
    // Each subscription is its own, even when the same function listens twice.
    const own = (buildId: string) => listener(buildId);
    this.listeners.add(own);
    return async () => void this.listeners.delete(own);
  }

  private announce(buildId: string): void {
    for (const listener of [...this.listeners]) listener(buildId);
  }
}

const branch = (repo: RepoRef, ref: string) => `${repo.owner}/${repo.name}:${ref}`;
