import type { SecretParamStore } from '../ports/secret-param-store.js';

/** Secret parameters' values in this process's memory; `now` is the clock expiry is judged by. */
export class MemorySecretParamStore implements SecretParamStore {
  private readonly kept = new Map<string, { values: Record<string, string>; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async put(requestId: string, values: Readonly<Record<string, string>>, ttlMs: number): Promise<void> {
    this.kept.set(requestId, { values: { ...values }, until: this.now() + ttlMs });
  }

  async get(requestId: string): Promise<Record<string, string>> {
    const entry = this.kept.get(requestId);
    if (!entry || entry.until <= this.now()) return {};
    return { ...entry.values };
  }
}
