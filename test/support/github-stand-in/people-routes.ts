import type { RestEndpointMethodTypes } from '@octokit/rest';
import { legacyPermission, type RepositoryRole } from './people-store.js';
import { githubError, notFound, type RouteHandler } from './route-types.js';
import { simpleUser } from './stand-in-user.js';

/** GitHub's answer to `GET /repos/{owner}/{repo}/collaborators/{username}/permission`. */
export type CollaboratorPermission =
  RestEndpointMethodTypes['repos']['getCollaboratorPermissionLevel']['response']['data'];

/** GitHub's answer to `GET /orgs/{org}/teams/{team_slug}/memberships/{username}`. */
export type TeamMembership = RestEndpointMethodTypes['teams']['getMembershipForUserInOrg']['response']['data'];

/**
 * `GET /repos/{owner}/{repo}/collaborators/{username}/permission`
 * (repos/get-collaborator-permission-level): `role_name` is the user's role (admin,
 * maintain, write, triage or read) and `permission` the legacy base role GitHub derives from
 * it (maintain → write, triage → read). A known user without a role answers `permission` and
 * `role_name` "none" (the stand-in's repositories behave as private ones; on a public one
 * GitHub would say "read"). The embedded `user` is a Collaborator object with `permissions`
 * and `role_name`. 404 for a repository the stand-in does not have, and "<login> is not a
 * user" for a login never registered.
 */
export const getCollaboratorPermissionLevel: RouteHandler = async (request, context) => {
  const { owner = '', repo = '', username = '' } = request.params;
  if (!(await context.repos.exists(owner, repo))) return notFound(context);
  const account = context.people.knownUser(username);
  if (account === undefined) return githubError(404, `${username} is not a user`, context.docsUrl);
  // On a public repository every user can read.
  const role = context.people.role(owner, repo, username) ?? (context.oauth.isPublic(owner, repo) ? 'read' : undefined);
  const permission = legacyPermission(role);
  const roleName = role ?? 'none';
  const body: CollaboratorPermission = {
    permission,
    role_name: roleName,
    user: {
      ...simpleUser(context.apiUrl, account.login, account.id),
      permissions: permissionFlags(role),
      role_name: roleName,
    },
  };
  return { status: 200, body };
};

/**
 * `GET /orgs/{org}/teams/{team_slug}/memberships/{username}`
 * (teams/get-membership-for-user-in-org): `{url, role, state: 'active'}` for a member of the
 * team (its role "member" or "maintainer"), GitHub's 404 for anyone else or an unknown team.
 * The `url` is GitHub's canonical one, by organization and team id.
 */
export const getMembershipForUserInOrg: RouteHandler = async (request, context) => {
  const { org = '', team_slug: slug = '', username = '' } = request.params;
  const team = context.people.team(org, slug);
  const member = team?.members.get(username.toLowerCase());
  if (team === undefined || member === undefined) return notFound(context);
  const orgId = context.people.account(org, 'Organization').id;
  const body: TeamMembership = {
    url: `${context.apiUrl}/organizations/${orgId}/team/${team.id}/memberships/${member.login}`,
    role: member.role,
    state: 'active',
  };
  return { status: 200, body };
};

/** The `permissions` flags of a Collaborator with `role` (each role includes the weaker ones). */
function permissionFlags(
  role: RepositoryRole | undefined,
): NonNullable<NonNullable<CollaboratorPermission['user']>['permissions']> {
  const rank = role === undefined ? 0 : { read: 1, triage: 2, write: 3, maintain: 4, admin: 5 }[role];
  return { pull: rank >= 1, triage: rank >= 2, push: rank >= 3, maintain: rank >= 4, admin: rank >= 5 };
}
