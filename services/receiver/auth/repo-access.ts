import { mayRead, roleAtLeast, type RepoRole, type RepoVisibility } from '../../core/auth/access.js';
import type { Principal } from '../../core/auth/principal.js';
import type { RepoRef } from '../../core/builds/types.js';
import type { GitHubPeople } from '../../shared/github.js';
import type { PermissionCache } from '../../shared/ports/permission-cache.js';

/** The default time GitHub's answer about a person's role is trusted. */
export const PERMISSION_TTL_MS = 60_000;

/**
 * What a principal may do with a repository, by its role on GitHub. The one place routes,
 * pages and streams ask (services/receiver/auth/): `canRead` before showing anything of a
 * repository, `canWrite` before triggering or cancelling its builds. Approvals are judged by
 * the approver against the environment's rules, not here.
 */
export interface RepoAccess {
  /** The person's role on the repository (`admin` for the operator, `none` for anonymous). */
  roleOf(principal: Principal, repo: RepoRef): Promise<RepoRole>;
  /** Builds, logs, live logs, artifacts and events of the repository (see core/auth/access.ts). */
  canRead(principal: Principal, repo: RepoRef & RepoVisibility): Promise<boolean>;
  /** At least write permission (or the operator). */
  canWrite(principal: Principal, repo: RepoRef): Promise<boolean>;
}

export interface RepoAccessDeps {
  /** Asked with Slipway's own credentials: the collaborator permission of a login. */
  github: Pick<GitHubPeople, 'roleOf'>;
  cache: PermissionCache;
  /** SLIPWAY_PUBLIC_READS: anyone may read public repositories' builds. */
  publicReads: boolean;
  ttlMs?: number;
}

/**
 * Roles come from GitHub (`GET /repos/{o}/{r}/collaborators/{login}/permission`) with Slipway's
 * token, so a personal token needs no GitHub token of its own, and are cached `ttlMs`. When
 * GitHub cannot answer, the error is thrown: the caller answers 503, never a guess.
 */
export function repoAccess(deps: RepoAccessDeps): RepoAccess {
  const ttl = deps.ttlMs ?? PERMISSION_TTL_MS;
  const roleOf = async (principal: Principal, repo: RepoRef): Promise<RepoRole> => {
    if (principal.kind === 'operator') return 'admin';
    if (principal.kind === 'anonymous') return 'none';
    const name = `${repo.owner}/${repo.name}`;
    const cached = await deps.cache.get(principal.login, name);
    if (cached !== undefined) return cached as RepoRole;
    const role = (await deps.github.roleOf(repo, principal.login)) as RepoRole;
    await deps.cache.put(principal.login, name, role, ttl);
    return role;
  };
  return {
    roleOf,
    async canRead(principal, repo) {
      if (principal.kind === 'operator' || principal.kind === 'anonymous')
        return mayRead(principal, repo, undefined, deps.publicReads);
      if (mayRead(principal, repo, 'none', deps.publicReads)) return true;
      return mayRead(principal, repo, await roleOf(principal, repo), deps.publicReads);
    },
    async canWrite(principal, repo) {
      return roleAtLeast(await roleOf(principal, repo), 'write');
    },
  };
}
