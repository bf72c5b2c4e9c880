import type { ExecutorPresence, ExecutorReport } from '../ports/executor-presence.js';

/** Executors' reports in this process's memory; `now` is the clock expiry is judged by. */
export class MemoryExecutorPresence implements ExecutorPresence {
  private readonly reports = new Map<string, { report: ExecutorReport; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async report(report: ExecutorReport, ttlMs: number): Promise<void> {
    this.reports.set(report.id, { report: structuredClone(report), until: this.now() + ttlMs });
  }

  async leave(id: string): Promise<void> {
    this.reports.delete(id);
  }

  async list(): Promise<ExecutorReport[]> {
    const now = this.now();
    return [...this.reports.values()]
      .filter((entry) => entry.until > now)
      .map((entry) => structuredClone(entry.report))
      .sort((a, b) => a.id.localeCompare(b.id));
  }
}
