import type { Principal } from './principal.js';

/** A repository role as GitHub names it (`role_name`), or `none`. */
export type RepoRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

const RANK: Record<RepoRole, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

/** Whether `role` is at least `min`; an unknown role name counts as none. */
export function roleAtLeast(role: string, min: RepoRole): boolean {
  return (RANK[role as RepoRole] ?? 0) >= RANK[min];
}

/** What the read rule needs to know about a repository. */
export interface RepoVisibility {
  /** True, false, or unknown (a record made before visibility was carried): unknown counts as private. */
  private?: boolean;
}

/**
 * May this principal read a repository's builds, logs, live logs, artifacts and events? The
 * operator may; a person with at least read permission may (`role`, looked up on GitHub);
 * anyone may read a public repository when the operator allows public reads. Pure.
 */
export function mayRead(
  principal: Principal,
  repo: RepoVisibility,
  role: string | undefined,
  publicReads: boolean,
): boolean {
  if (principal.kind === 'operator') return principal.scopes.includes('read');
  if (repo.private === false && publicReads) return true;
  if (principal.kind !== 'user' || !principal.scopes.includes('read')) return false;
  return roleAtLeast(role ?? 'none', 'read');
}
