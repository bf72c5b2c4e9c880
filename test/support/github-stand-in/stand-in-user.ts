import type { RestEndpointMethodTypes } from '@octokit/rest';

/** A "Simple User" object as GitHub embeds it (e.g. a status's `creator`). */
export type SimpleUser = NonNullable<
  RestEndpointMethodTypes['repos']['createCommitStatus']['response']['data']['creator']
>;

/** The login the stand-in reports as the user behind every token. */
export const STAND_IN_LOGIN = 'slipway-stand-in';

/** The account id of {@link STAND_IN_LOGIN}; other accounts get ids after it. */
export const STAND_IN_USER_ID = 1;

/** The user behind the stand-in's token, with URLs on the stand-in's own host. */
export function standInUser(apiUrl: string): SimpleUser {
  return simpleUser(apiUrl, STAND_IN_LOGIN, STAND_IN_USER_ID);
}

/**
 * A "Simple User" for any account, shaped as GitHub embeds it, with URLs on the stand-in's
 * host and GitHub's node id encoding (`04:User<id>`, or `012:Organization<id>`, in base64).
 */
export function simpleUser(
  apiUrl: string,
  login: string,
  id: number,
  type: 'User' | 'Organization' = 'User',
): SimpleUser {
  const url = `${apiUrl}/users/${login}`;
  const nodeId = type === 'User' ? `04:User${id}` : `012:Organization${id}`;
  return {
    login,
    id,
    node_id: Buffer.from(nodeId).toString('base64'),
    avatar_url: `${apiUrl}/avatars/${login}`,
    gravatar_id: '',
    url,
    html_url: `${apiUrl}/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type,
    site_admin: false,
  };
}
