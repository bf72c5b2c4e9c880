import { simpleUser } from './stand-in-user.js';
import { githubError, type RouteContext, type RouteHandler, type RouteResponse } from './route-types.js';

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
  const { token, expiresAt } = context.apps.issue(Date.now(), installation);
  return {
    status: 201,
    body: {
      token,
      expires_at: expiresAt,
      permissions: {
        contents: 'read',
        statuses: 'write',
        checks: 'write',
        deployments: 'write',
        pull_requests: 'read',
        members: 'read',
      },
      repository_selection: 'all',
    },
  };
};

/** The app a request's JWT proves to be, or GitHub's 401. */
function appOf(request: Parameters<RouteHandler>[0], context: RouteContext): { appId: string } | RouteResponse {
  const jwt = /^bearer\s+(\S+)$/i.exec(String(request.headers.authorization ?? ''))?.[1];
  if (!jwt) return githubError(401, 'A JSON web token could not be decoded', context.docsUrl);
  const verdict = context.apps.verifyJwt(jwt, Math.floor(Date.now() / 1000));
  return 'error' in verdict ? githubError(401, verdict.error, context.docsUrl) : verdict;
}

/**
 * `GET /repos/{owner}/{repo}/installation` (apps/get-repo-installation): authenticated by the
 * app's JWT, the installation of the app that covers the repository, or 404 when the app is
 * not installed there (never was, or was uninstalled).
 */
export const getRepoInstallation: RouteHandler = async (request, context) => {
  const app = appOf(request, context);
  if (!('appId' in app)) return app;
  const { owner = '', repo = '' } = request.params;
  const id = context.apps.installationFor(app.appId, owner, repo);
  if (id === undefined || !(await context.repos.exists(owner, repo)))
    return githubError(404, 'Not Found', context.docsUrl);
  return { status: 200, body: installationView(id, owner, app.appId, context) };
};

/**
 * `GET /orgs/{org}/installation` (apps/get-org-installation): authenticated by the app's JWT,
 * the app's installation on that account, or 404.
 */
export const getOrgInstallation: RouteHandler = async (request, context) => {
  const app = appOf(request, context);
  if (!('appId' in app)) return app;
  const org = request.params.org ?? '';
  const id = context.apps.installationOfAccount(app.appId, org);
  if (id === undefined) return githubError(404, 'Not Found', context.docsUrl);
  return { status: 200, body: installationView(id, org, app.appId, context) };
};

/** An installation as GitHub describes it. */
function installationView(id: number, owner: string, appId: string, context: RouteContext): Record<string, unknown> {
  const login = context.apps.accountOf(id) ?? owner;
  const account = context.people.account(login);
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    id,
    account: simpleUser(context.apiUrl, account.login, account.id, account.type),
    repository_selection: 'selected',
    access_tokens_url: `${context.apiUrl}/app/installations/${id}/access_tokens`,
    repositories_url: `${context.apiUrl}/installation/repositories`,
    html_url: `${context.apiUrl}/settings/installations/${id}`,
    app_id: Number(appId),
    app_slug: 'slipway',
    target_id: account.id,
    target_type: account.type,
    permissions: { checks: 'write', statuses: 'write', contents: 'read' },
    events: ['check_run', 'check_suite', 'push', 'pull_request'],
    created_at: now,
    updated_at: now,
    single_file_name: null,
    suspended_by: null,
    suspended_at: null,
  };
}

/**
 * `POST /app-manifests/{code}/conversions` (apps/create-from-manifest): unauthenticated, as
 * on GitHub. A code the stand-in handed out (once, for an hour) becomes a registered App with
 * a fresh key pair: its id, private key, webhook secret and OAuth credentials. Anything else 404s.
 */
export const createFromManifest: RouteHandler = async (request, context) => {
  const code = request.params.code ?? '';
  const made = context.apps.convertManifest(code, Date.now());
  if (!made) return githubError(404, 'Not Found', context.docsUrl);
  const owner = context.people.account(made.owner);
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    status: 201,
    body: {
      id: Number(made.appId),
      slug: made.name.toLowerCase(),
      node_id: Buffer.from(`03:Integration${made.appId}`).toString('base64'),
      client_id: made.clientId,
      owner: simpleUser(context.apiUrl, owner.login, owner.id, owner.type),
      name: made.name,
      description: null,
      external_url: made.url,
      html_url: `${context.apiUrl}/apps/${made.name.toLowerCase()}`,
      created_at: now,
      updated_at: now,
      permissions: made.permissions,
      events: made.events,
      client_secret: made.clientSecret,
      webhook_secret: made.webhookSecret,
      pem: made.privateKey,
    },
  };
};
