/** A signed-in person's browser session, as the server keeps it. */
export interface Session {
  /**
   * The key it is stored under: the sha-256 (hex) of the random id in the person's cookie,
   * so what Redis holds cannot be replayed as a cookie.
   */
  key: string;
  /** The GitHub login `GET /user` gave at sign-in. */
  login: string;
  /** The token forms of this session must carry (CSRF). */
  csrf: string;
  createdAt: string;
  /** ISO time after which the session is gone. */
  expiresAt: string;
}

/**
 * Browser sessions, server-side (the cookie holds only a random id).
 *
 * Callers: the receiver's OAuth callback `create`s one after GitHub said who signed in; every
 * request with a session cookie `get`s it (principal resolution); sign-out `delete`s it.
 * Must tolerate: `get` of a session past its `expiresAt` (undefined, as if deleted: the store
 * expires it by itself); `delete` of one that is gone; many receivers sharing the store.
 */
export interface Sessions {
  create(session: Session): Promise<void>;
  get(key: string): Promise<Session | undefined>;
  delete(key: string): Promise<void>;
}
