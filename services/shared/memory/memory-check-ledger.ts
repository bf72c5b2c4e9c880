import type { CheckEntry, CheckLedger, CheckRunKey } from '../ports/check-ledger.js';

/** Check runs posted, and who is posting to which, in this process's memory. */
export class MemoryCheckLedger implements CheckLedger {
  private readonly entries = new Map<string, CheckEntry>();
  private readonly claims = new Map<string, { owner: string; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(run: CheckRunKey): Promise<CheckEntry> {
    return { annotationsSent: 0, ...this.entries.get(key(run)) };
  }

  async save(run: CheckRunKey, entry: CheckEntry): Promise<void> {
    const known = this.entries.get(key(run));
    const id = known?.id ?? entry.id;
    this.entries.set(key(run), { ...entry, ...(id !== undefined ? { id } : {}) });
  }

  async claim(run: CheckRunKey, owner: string, ttlMs: number): Promise<boolean> {
    const held = this.claims.get(key(run));
    if (held && held.owner !== owner && held.until > this.now()) return false;
    this.claims.set(key(run), { owner, until: this.now() + ttlMs });
    return true;
  }

  async release(run: CheckRunKey, owner: string): Promise<void> {
    if (this.claims.get(key(run))?.owner === owner) this.claims.delete(key(run));
  }
}

const key = (run: CheckRunKey) => `${run.buildId}\u0000${run.sha}\u0000${run.name}`;
