import type { Session, Sessions } from '../ports/sessions.js';

/** Sessions in this process's memory; `now` is the clock expiry is judged by. */
export class MemorySessions implements Sessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  async create(session: Session): Promise<void> {
    this.sessions.set(session.key, structuredClone(session));
  }

  async get(key: string): Promise<Session | undefined> {
    const session = this.sessions.get(key);
    if (!session) return undefined;
    if (Date.parse(session.expiresAt) <= this.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    return structuredClone(session);
  }

  async delete(key: string): Promise<void> {
    this.sessions.delete(key);
  }
}
