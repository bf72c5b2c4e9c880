import { githubError, type RouteHandler } from './route-types.js';

/**
 * `POST /app/installations/{installation_id}/access_tokens` (apps/create-installation-access-token):
 * authenticated by the app's JWT (`Authorization: Bearer <jwt>`), answers an installation
 * token valid for an hour, which the API then accepts like a personal token.
 */
export const createInstallationAccessToken: RouteHandler = async (request, context) => {
  const jwt = /^bearer\s+(\S+)$/i.exec(String(request.headers.authorization ?? ''))?.[1];
  if (!jwt) return githubError(401, 'A JSON web token could not be decoded', context.docsUrl);
  const verdict = context.apps.verifyJwt(jwt, Math.floor(Date.now() / 1000));
  if ('error' in verdict) return githubError(401, verdict.error, context.docsUrl);
  const installation = Number(request.params.installation_id);
  if (!context.apps.hasInstallation(verdict.appId, installation)) return githubError(404, 'Not Found', context.docsUrl);
  const { token, expiresAt } = context.apps.issue(Date.now());
  return {
    status: 201,
    body: {
      token,
      expires_at: expiresAt,
      permissions: {
        contents: 'read',
        statuses: 'write',
        deployments: 'write',
        pull_requests: 'read',
        members: 'read',
      },
      repository_selection: 'all',
    },
  };
};
