/**
 * Who is asking, and what they may see and do: the interface every route, page and stream of
 * the receiver uses (the API v1, the dashboard, live logs). Nothing else reads credentials.
 *
 * Order in the Koa app (create-app.ts): `resolvePrincipal` (bearer token or session cookie →
 * principal), then `requireCsrf` (session-authenticated writes carry the session's token),
 * then the routes, which use:
 *
 * - `principalOf(ctx)`: the {@link Principal}: anonymous, a person (`user`, by session or
 *   personal token, with its scopes) or the operator's token.
 * - `requireScope(scope)`: middleware; 401 when anonymous, 403 without the scope. The
 *   operator's token never has `approve`.
 * - `RepoAccess` (`repoAccess(deps)`): `canRead(principal, repo)` (a private repository needs at
 *   least read permission on GitHub; a public one is open to all when SLIPWAY_PUBLIC_READS),
 *   `canWrite` (write permission: trigger, cancel), `roleOf`.
 * - `visibleBuild(ctx, builds, access, id)`: the build when the caller may read it, else
 *   undefined, and the route answers `notFound(ctx)`: unknown and forbidden look the same.
 * - `csrfTokenOf(ctx)`: the token a server-rendered form must carry as `_csrf`.
 * - `auditAction(ctx, audit, action)` (../audit-action.ts): records who did what from where.
 */
export { ANONYMOUS, hasScope, actorOf, SCOPES, type Principal, type Scope } from '../../core/auth/principal.js';
export { principalOf, sessionOf } from './principal-of.js';
export { requireScope } from './require-scope.js';
export { requireCsrf, csrfTokenOf } from './csrf.js';
export { resolvePrincipal, type PrincipalDeps } from './resolve-principal.js';
export { repoAccess, PERMISSION_TTL_MS, type RepoAccess, type RepoAccessDeps } from './repo-access.js';
export { visibleBuild, visibleBuilds } from './visible-build.js';
export { notFound, refuse } from './refuse.js';
