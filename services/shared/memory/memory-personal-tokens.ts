import type { PersonalToken, PersonalTokens } from '../ports/personal-tokens.js';

/** Personal tokens in this process's memory. */
export class MemoryPersonalTokens implements PersonalTokens {
  private readonly tokens = new Map<string, PersonalToken>();

  async create(token: PersonalToken): Promise<void> {
    this.tokens.set(token.id, structuredClone(token));
  }

  async get(id: string): Promise<PersonalToken | undefined> {
    const token = this.tokens.get(id);
    return token && structuredClone(token);
  }

  async list(owner: string): Promise<PersonalToken[]> {
    return [...this.tokens.values()]
      .filter((t) => t.owner === owner)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map((t) => structuredClone(t));
  }

  async revoke(owner: string, id: string): Promise<boolean> {
    if (this.tokens.get(id)?.owner !== owner) return false;
    return this.tokens.delete(id);
  }
}
