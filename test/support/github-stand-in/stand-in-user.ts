import type { RestEndpointMethodTypes } from '@octokit/rest';

/** A "Simple User" object as GitHub embeds it (e.g. a status's `creator`). */
export type SimpleUser = NonNullable<RestEndpointMethodTypes['repos']['createCommitStatus']['response']['data']['creator']>;

/** The login the stand-in reports as the user behind every token. */
export const STAND_IN_LOGIN = 'slipway-stand-in';

/** The user behind the stand-in's token, with URLs on the stand-in's own host. */
export function standInUser(apiUrl: string): SimpleUser {
  const url = `${apiUrl}/users/${STAND_IN_LOGIN}`;
  return {
    login: STAND_IN_LOGIN,
    id: 1,
    node_id: 'MDQ6VXNlcjE=',
    avatar_url: `${apiUrl}/avatars/${STAND_IN_LOGIN}`,
    gravatar_id: '',
    url,
    html_url: `${apiUrl}/${STAND_IN_LOGIN}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: 'User',
    site_admin: false,
  };
}
