import type { RestEndpointMethodTypes } from '@octokit/rest';
import { repositoryObject } from './pulls-routes.js';
import { notFound, type RouteHandler, type RouteRequest, type RouteContext } from './route-types.js';
import { simpleUser, STAND_IN_LOGIN } from './stand-in-user.js';

type FullRepository = RestEndpointMethodTypes['repos']['get']['response']['data'];

/** The login behind a request's token: an OAuth user token's user, else the stand-in's own account. */
export function loginOfRequest(request: RouteRequest, context: RouteContext): string {
  const token = /^(?:token|bearer)\s+(\S+)$/i.exec(String(request.headers.authorization ?? ''))?.[1];
  return (token && context.oauth.loginOf(token)) || STAND_IN_LOGIN;
}

/**
 * `GET /user` (users/get-authenticated): the signed-in user as a private-user object (the
 * view a user's own token gets), for the token's user.
 */
export const getAuthenticatedUser: RouteHandler = async (request, context) => {
  const account = context.people.account(loginOfRequest(request, context));
  const created = '2020-01-01T00:00:00Z';
  return {
    status: 200,
    body: {
      ...simpleUser(context.apiUrl, account.login, account.id),
      user_view_type: 'private',
      name: account.login,
      company: null,
      blog: '',
      location: null,
      email: null,
      hireable: null,
      bio: null,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: created,
      updated_at: created,
      private_gists: 0,
      total_private_repos: 0,
      owned_private_repos: 0,
      disk_usage: 0,
      collaborators: 0,
      two_factor_authentication: true,
    },
  };
};

/**
 * `GET /repos/{owner}/{repo}` (repos/get): the repository, public or private as a test set it
 * (`setVisibility`), with the caller's `permissions`. A private repository the caller has no
 * role on is GitHub's 404.
 */
export const getRepository: RouteHandler = async (request, context) => {
  const { owner = '', repo = '' } = request.params;
  if (!(await context.repos.exists(owner, repo))) return notFound(context);
  const isPublic = context.oauth.isPublic(owner, repo);
  const login = loginOfRequest(request, context);
  const role = login === STAND_IN_LOGIN ? 'admin' : context.people.role(owner, repo, login);
  if (!isPublic && role === undefined) return notFound(context);
  const rank = role === undefined ? 1 : { read: 1, triage: 2, write: 3, maintain: 4, admin: 5 }[role];
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const body: FullRepository = {
    ...repositoryObject(context, owner, repo, 'main', false, now),
    private: !isPublic,
    visibility: isPublic ? 'public' : 'private',
    pushed_at: now,
    created_at: now,
    updated_at: now,
    has_discussions: false,
    network_count: 0,
    subscribers_count: 0,
    permissions: { pull: rank >= 1, triage: rank >= 2, push: rank >= 3, maintain: rank >= 4, admin: rank >= 5 },
  };
  return { status: 200, body };
};
