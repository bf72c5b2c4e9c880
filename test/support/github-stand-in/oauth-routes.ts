import type { ApiExchange, IncomingApiRequest } from './dispatcher.js';
import type { OAuthStore } from './oauth-store.js';
import type { PeopleStore } from './people-store.js';

const DOCS = 'https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps';

/**
 * GitHub's OAuth web flow, on the web host (`/login/oauth/…`), which is not part of the REST
 * API and so not in `@octokit/openapi`: both endpoints are checked against GitHub's documented
 * form instead ("Authorizing OAuth apps", web application flow), and every departure is a
 * violation like the REST API's.
 *
 * - `GET /login/oauth/authorize?client_id&redirect_uri&state[&login&scope&allow_signup]`:
 *   redirects (302) to `redirect_uri?code=…&state=…` as the chosen login (the `login`
 *   parameter, else `OAuthStore.chosenLogin`), or shows a small page with one link per known
 *   user to choose from.
 * - `POST /login/oauth/access_token` with `client_id`, `client_secret`, `code` (and
 *   `redirect_uri`, which must be the authorize request's): `{access_token, token_type, scope}`
 *   as JSON when `Accept: application/json`, else urlencoded. A bad code or secret answers
 *   200 with `{error, error_description, error_uri}`, as GitHub does.
 *
 * Returns undefined for any other path.
 */
export function serveOAuth(
  request: IncomingApiRequest,
  oauth: OAuthStore,
  people: PeopleStore,
  knownLogins: () => string[],
): ApiExchange | undefined {
  const { pathname } = request.url;
  if (pathname === '/login/oauth/authorize') return authorize(request, oauth, people, knownLogins);
  if (pathname === '/login/oauth/access_token') return accessToken(request, oauth);
  return undefined;
}

function authorize(
  request: IncomingApiRequest,
  oauth: OAuthStore,
  people: PeopleStore,
  knownLogins: () => string[],
): ApiExchange {
  const violations: string[] = [];
  const note = (problem: string) => violations.push(`GET /login/oauth/authorize: ${problem}`);
  if (request.method !== 'GET') note(`method ${request.method}; GitHub documents GET`);
  const q = request.url.searchParams;
  const clientId = q.get('client_id') ?? '';
  const redirectUri = q.get('redirect_uri') ?? undefined;
  const state = q.get('state');
  if (!clientId) note('client_id is required');
  else if (!oauth.hasClient(clientId)) note(`client_id ${clientId} is not a registered OAuth app`);
  if (!state) note('no state: GitHub recommends an unguessable state against CSRF');
  if (redirectUri !== undefined && !/^https?:\/\//.test(redirectUri)) note(`redirect_uri ${redirectUri} is not a URL`);
  const allowed = new Set(['client_id', 'redirect_uri', 'login', 'scope', 'state', 'allow_signup', 'prompt']);
  for (const name of q.keys()) if (!allowed.has(name)) note(`unknown parameter ${name}`);
  if (!redirectUri) {
    note('no redirect_uri: the stand-in has no registered callback URL to fall back on');
    return html(400, '<p>redirect_uri is required here</p>', violations);
  }
  const login = q.get('login') || oauth.chosenLogin;
  if (!login) {
    const links = knownLogins()
      .map((l) => {
        const next = new URL(request.url.href);
        next.searchParams.set('login', l);
        return `<li><a href="${next.pathname}${next.search}">Sign in as ${l}</a></li>`;
      })
      .join('');
    return html(200, `<h1>GitHub stand-in</h1><ul>${links}</ul>`, violations);
  }
  people.registerUser(login);
  const code = oauth.issueCode(login, clientId, redirectUri, Date.now());
  const target = new URL(redirectUri);
  target.searchParams.set('code', code);
  if (state) target.searchParams.set('state', state);
  return {
    status: 302,
    headers: { location: target.href },
    payload: Buffer.alloc(0),
    operationId: undefined,
    violations,
  };
}

function accessToken(request: IncomingApiRequest, oauth: OAuthStore): ApiExchange {
  const violations: string[] = [];
  const note = (problem: string) => violations.push(`POST /login/oauth/access_token: ${problem}`);
  if (request.method !== 'POST') note(`method ${request.method}; GitHub documents POST`);
  const params = bodyParams(request, note);
  for (const name of ['client_id', 'client_secret', 'code']) if (!params[name]) note(`${name} is required`);
  const json = String(request.headers.accept ?? '').includes('application/json');
  if (!json) note('no Accept: application/json: GitHub would answer urlencoded');
  const fail = (error: string, description: string) =>
    answer(200, { error, error_description: description, error_uri: DOCS }, json, violations);
  const clientId = params.client_id ?? '';
  if (!oauth.secretMatches(clientId, params.client_secret ?? ''))
    return fail('incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.');
  const pending = oauth.takeCode(params.code ?? '', Date.now());
  if (!pending || pending.clientId !== clientId)
    return fail('bad_verification_code', 'The code passed is incorrect or expired.');
  if (params.redirect_uri !== undefined && params.redirect_uri !== pending.redirectUri)
    return fail(
      'redirect_uri_mismatch',
      'The redirect_uri MUST match the registered callback URL for this application.',
    );
  const token = oauth.issueToken(pending.login);
  return answer(200, { access_token: token, token_type: 'bearer', scope: '' }, json, violations);
}

function bodyParams(request: IncomingApiRequest, note: (problem: string) => void): Record<string, string> {
  const text = request.body.toString('utf8');
  const type = String(request.headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    } catch {
      note('body is not JSON');
      return {};
    }
  }
  if (type.includes('application/x-www-form-urlencoded') || text === '') {
    return Object.fromEntries(new URLSearchParams(text));
  }
  note(`content-type ${type} is neither JSON nor a form`);
  return {};
}

function answer(status: number, body: Record<string, string>, json: boolean, violations: string[]): ApiExchange {
  const payload = Buffer.from(json ? JSON.stringify(body) : new URLSearchParams(body).toString());
  const type = json ? 'application/json; charset=utf-8' : 'application/x-www-form-urlencoded; charset=utf-8';
  return { status, headers: { 'content-type': type }, payload, operationId: undefined, violations };
}

function html(status: number, body: string, violations: string[]): ApiExchange {
  const payload = Buffer.from(`<!doctype html><meta charset="utf-8"><title>Sign in</title>${body}`);
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    payload,
    operationId: undefined,
    violations,
  };
}
