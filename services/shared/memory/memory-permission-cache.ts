import type { PermissionCache } from '../ports/permission-cache.js';

/** Roles cached in this process's memory; `now` is the clock expiry is judged by. */
export class MemoryPermissionCache implements PermissionCache {
  private readonly roles = new Map<string, { role: string; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(login: string, repo: string): Promise<string | undefined> {
    const entry = this.roles.get(`${login.toLowerCase()}@${repo.toLowerCase()}`);
    return entry && entry.until > this.now() ? entry.role : undefined;
  }

  async put(login: string, repo: string, role: string, ttlMs: number): Promise<void> {
    this.roles.set(`${login.toLowerCase()}@${repo.toLowerCase()}`, { role, until: this.now() + ttlMs });
  }
}
