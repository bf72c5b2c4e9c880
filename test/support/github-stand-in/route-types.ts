import type { IncomingHttpHeaders } from 'node:http';
import type { DeploymentStore } from './deployment-store.js';
import type { AppStore } from './app-store.js';
import type { CheckStore } from './check-store.js';
import type { GitRepos } from './git-repos.js';
import type { HookDeliveryStore } from './hook-delivery-store.js';
import type { OAuthStore } from './oauth-store.js';
import type { PeopleStore } from './people-store.js';
import type { ReviewStore } from './review-store.js';
import type { StatusStore } from './status-store.js';

/** What a route handler gets from one request, already matched to its operation. */
export interface RouteRequest {
  /** Path parameters named as in the description's template, percent-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body, or `undefined` when the request had none. */
  body: unknown;
  headers: IncomingHttpHeaders;
}

/** The stand-in's state, shared by every route. */
export interface RouteContext {
  repos: GitRepos;
  statuses: StatusStore;
  apps: AppStore;
  deployments: DeploymentStore;
  /** Check suites and runs, per installation. */
  checks: CheckStore;
  /** Accounts, repository roles, teams and pull requests registered by tests. */
  people: PeopleStore;
  /** OAuth apps, the user tokens issued through the web flow, and which repositories are public. */
  oauth: OAuthStore;
  /** Comments, reviews and branch protection's required status checks. */
  reviews: ReviewStore;
  /** Webhooks and their delivery log (the deliveries API). */
  hookDeliveries: HookDeliveryStore;
  /** Base URL of the stand-in's API, used to build the `url` fields of responses. */
  apiUrl: string;
  /** The operation's documentation URL, as GitHub puts in `documentation_url`. */
  docsUrl: string;
}

/** A route's answer: a JSON body, or raw bytes for raw media types. */
export interface RouteResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON value to send; omit for an empty body. */
  body?: unknown;
  /** Non-JSON bytes to send instead of `body`. */
  raw?: { contentType: string; data: Buffer };
}

/** Implements one operation (by operationId) of the GitHub REST API. */
export type RouteHandler = (request: RouteRequest, context: RouteContext) => Promise<RouteResponse>;

/** GitHub's error body: `{message, documentation_url, status}` plus e.g. `errors`. */
export function githubError(
  status: number,
  message: string,
  documentationUrl: string,
  extra: Record<string, unknown> = {},
): RouteResponse {
  return { status, body: { message, ...extra, documentation_url: documentationUrl, status: String(status) } };
}

/** GitHub's 404, which it also answers for repositories the caller may not see. */
export function notFound(context: RouteContext): RouteResponse {
  return githubError(404, 'Not Found', context.docsUrl);
}
