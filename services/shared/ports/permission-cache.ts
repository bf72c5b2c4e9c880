/**
 * GitHub's answer to "what role has this person on this repository", kept briefly so a page
 * of builds does not ask GitHub once per row.
 *
 * Callers: the receiver's repository access check (services/receiver/auth/repo-access.ts)
 * `get`s, and on a miss asks GitHub and `put`s. Entries live `ttlMs` and then are gone.
 * Must tolerate: concurrent `put`s of one key (the last one wins); a store restart (a miss).
 */
export interface PermissionCache {
  get(login: string, repo: string): Promise<string | undefined>;
  put(login: string, repo: string, role: string, ttlMs: number): Promise<void>;
}
