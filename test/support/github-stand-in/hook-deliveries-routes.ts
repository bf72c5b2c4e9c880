import type { DeliveryAttempt } from './hook-delivery-store.js';
import {
  githubError,
  notFound,
  type RouteContext,
  type RouteHandler,
  type RouteRequest,
  type RouteResponse,
} from './route-types.js';

/**
 * `GET /app/hook/deliveries` (apps/list-webhook-deliveries), authenticated by the App's JWT:
 * the App hook's attempts, newest first, paginated by `cursor` as GitHub does.
 */
export const listAppWebhookDeliveries: RouteHandler = async (request, context) => {
  const denied = requireJwt(request, context);
  if (denied) return denied;
  const hookId = context.hookDeliveries.appHook();
  if (hookId === undefined) return notFound(context);
  return page(context.hookDeliveries.list(hookId), request, context, '/app/hook/deliveries');
};

/** `POST /app/hook/deliveries/{delivery_id}/attempts` (apps/redeliver-webhook-delivery), JWT: 202. */
export const redeliverAppWebhookDelivery: RouteHandler = async (request, context) => {
  const denied = requireJwt(request, context);
  if (denied) return denied;
  const hookId = context.hookDeliveries.appHook();
  if (hookId === undefined) return notFound(context);
  return redeliver(hookId, request, context);
};

/** `GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries` (repos/list-webhook-deliveries). */
export const listRepoWebhookDeliveries: RouteHandler = async (request, context) => {
  const { owner = '', repo = '', hook_id = '' } = request.params;
  const hookId = Number(hook_id);
  if (!context.hookDeliveries.isRepoHook(hookId, owner, repo)) return notFound(context);
  const base = `/repos/${owner}/${repo}/hooks/${hookId}/deliveries`;
  return page(context.hookDeliveries.list(hookId), request, context, base);
};

/** `POST /repos/{o}/{r}/hooks/{hook_id}/deliveries/{delivery_id}/attempts` (repos/redeliver-webhook-delivery). */
export const redeliverRepoWebhookDelivery: RouteHandler = async (request, context) => {
  const { owner = '', repo = '', hook_id = '' } = request.params;
  const hookId = Number(hook_id);
  if (!context.hookDeliveries.isRepoHook(hookId, owner, repo)) return notFound(context);
  return redeliver(hookId, request, context);
};

function redeliver(hookId: number, request: RouteRequest, context: RouteContext): RouteResponse {
  const attemptId = Number(request.params.delivery_id);
  if (!context.hookDeliveries.redeliver(hookId, attemptId)) return notFound(context);
  return { status: 202, body: {} };
}

/**
 * One page: `per_page` (default 30, at most 100) attempts from the one named by `cursor` (an
 * attempt id; default the newest), with a `Link` to the next page's cursor.
 */
function page(all: DeliveryAttempt[], request: RouteRequest, context: RouteContext, path: string): RouteResponse {
  const perPage = Math.min(100, Math.max(1, Number(request.query.get('per_page') ?? 30) || 30));
  const cursor = request.query.get('cursor');
  const start = cursor === null ? 0 : all.findIndex((a) => String(a.id) === cursor);
  if (start < 0) return githubError(422, 'Invalid cursor', context.docsUrl);
  const items = all.slice(start, start + perPage);
  const next = all[start + perPage];
  const headers: Record<string, string> = next
    ? { link: `<${context.apiUrl}${path}?per_page=${perPage}&cursor=${next.id}>; rel="next"` }
    : {};
  return { status: 200, headers, body: items.map(({ hookId: _hook, body: _body, ...item }) => item) };
}

function requireJwt(request: RouteRequest, context: RouteContext): RouteResponse | undefined {
  const jwt = /^bearer\s+(\S+)$/i.exec(String(request.headers.authorization ?? ''))?.[1];
  if (!jwt) return githubError(401, 'A JSON web token could not be decoded', context.docsUrl);
  const verdict = context.apps.verifyJwt(jwt, Math.floor(Date.now() / 1000));
  return 'error' in verdict ? githubError(401, verdict.error, context.docsUrl) : undefined;
}
