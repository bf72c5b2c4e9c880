import { OAuthApp } from '@octokit/oauth-app';
import { Octokit } from '@octokit/core';
import { fromOctokit } from './github.js';
import { createOctokit } from './octokit.js';

/** GitHub's OAuth web flow, as the receiver's sign-in uses it. */
export interface GitHubSignIn {
  /** Where to send the browser: GitHub's `/login/oauth/authorize` with this state and callback. */
  authorizeUrl(state: string, redirectUrl: string): string;
  /**
   * Exchanges the callback's `code` for a user token (`POST /login/oauth/access_token`) and
   * asks GitHub whose it is (`GET /user`). The token is used for that one call and not kept:
   * permissions are later asked with Slipway's own credentials. Throws a typed error.
   */
  loginFor(code: string, state: string, redirectUrl: string): Promise<string>;
}

/**
 * The web flow through `@octokit/oauth-app` for an OAuth App or a GitHub App's client id and
 * secret. The OAuth endpoints live on the web host, which Octokit derives from the API's
 * base URL (api.github.com → github.com, `https://HOST/api/v3` → `https://HOST`).
 */
export function createGitHubSignIn(apiUrl: string, clientId: string, clientSecret: string): GitHubSignIn {
  const app = new OAuthApp({
    clientType: 'oauth-app',
    clientId,
    clientSecret,
    allowSignup: false,
    Octokit: Octokit.defaults({ baseUrl: apiUrl, userAgent: 'slipway' }),
  });
  return {
    authorizeUrl: (state, redirectUrl) => app.getWebFlowAuthorizationUrl({ state, redirectUrl, scopes: [] }).url,
    async loginFor(code, state, redirectUrl) {
      try {
        const { authentication } = await app.createToken({ code, state, redirectUrl });
        const user = createOctokit(apiUrl, { token: authentication.token }, { retries: 1 });
        return (await user.rest.users.getAuthenticated()).data.login;
      } catch (err) {
        throw fromOctokit(err);
      }
    },
  };
}
