/** How long something took, as people read it: `850 ms`, `42 s`, `3 min 05 s`, `2 h 10 min`. Pure. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1_000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** How long ago `at` was at `now`: `just now`, `5 min ago`, `3 h ago`, `2 days ago`. Pure. */
export function formatAge(at: string, now: Date): string {
  const ms = now.getTime() - Date.parse(at);
  if (!Number.isFinite(ms)) return '';
  const s = Math.max(0, Math.floor(ms / 1_000));
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const hours = Math.round(m / 60);
  if (hours < 36) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/**
 * The time something ran: from its start to its end, or to `now` while it runs; undefined
 * before it started (or when a time cannot be read).
 */
export function runTime(thing: { startedAt?: string; finishedAt?: string }, now: Date): number | undefined {
  if (!thing.startedAt) return undefined;
  const start = Date.parse(thing.startedAt);
  const end = thing.finishedAt ? Date.parse(thing.finishedAt) : now.getTime();
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, end - start) : undefined;
}
