import type { IncomingHttpHeaders } from 'node:http';
import {
  createFromManifest,
  createInstallationAccessToken,
  getOrgInstallation,
  getRepoInstallation,
} from './app-routes.js';
import { createCheckRun, getCheckRun, listCheckRunsForRef, updateCheckRun } from './checks-routes.js';
import { compareCommits } from './compare-route.js';
import { getContent } from './contents-route.js';
import {
  createDeployment,
  createDeploymentStatus,
  listDeploymentStatuses,
  listDeployments,
} from './deployments-routes.js';
import { serverError, type InjectedFailure } from './failures.js';
import {
  listAppWebhookDeliveries,
  listRepoWebhookDeliveries,
  redeliverAppWebhookDelivery,
  redeliverRepoWebhookDelivery,
} from './hook-deliveries-routes.js';
import { githubRoutes, type MatchedOperation } from './openapi-document.js';
import { OpenApiValidator } from './openapi-validator.js';
import { getCollaboratorPermissionLevel, getMembershipForUserInOrg } from './people-routes.js';
import { createIssueComment, listIssueComments } from './comments-routes.js';
import { getStatusChecksProtection } from './protection-routes.js';
import { createPullRequest, getPullRequest, listPullRequests } from './pulls-routes.js';
import { createRef, getRef, updateRef } from './refs-routes.js';
import { listReviews } from './reviews-routes.js';
import { githubError, type RouteContext, type RouteHandler, type RouteResponse } from './route-types.js';
import { createCommitStatus, listCommitStatusesForRef } from './statuses-routes.js';
import { getAuthenticatedUser, getRepository } from './user-routes.js';

/** The operations the stand-in implements, by the description's operationId. */
const HANDLERS: Record<string, RouteHandler> = {
  'repos/get-content': getContent,
  'repos/create-commit-status': createCommitStatus,
  'repos/list-commit-statuses-for-ref': listCommitStatusesForRef,
  'repos/create-deployment': createDeployment,
  'repos/list-deployments': listDeployments,
  'repos/create-deployment-status': createDeploymentStatus,
  'repos/list-deployment-statuses': listDeploymentStatuses,
  'repos/compare-commits-with-basehead': compareCommits,
  'pulls/get': getPullRequest,
  'pulls/list': listPullRequests,
  'repos/get-collaborator-permission-level': getCollaboratorPermissionLevel,
  'teams/get-membership-for-user-in-org': getMembershipForUserInOrg,
  'apps/create-installation-access-token': createInstallationAccessToken,
  'apps/get-repo-installation': getRepoInstallation,
  'apps/get-org-installation': getOrgInstallation,
  'apps/create-from-manifest': createFromManifest,
  'checks/create': createCheckRun,
  'checks/update': updateCheckRun,
  'checks/get': getCheckRun,
  'checks/list-for-ref': listCheckRunsForRef,
  'users/get-authenticated': getAuthenticatedUser,
  'repos/get': getRepository,
  'git/get-ref': getRef,
  'git/update-ref': updateRef,
  'git/create-ref': createRef,
  'repos/get-status-checks-protection': getStatusChecksProtection,
  'issues/create-comment': createIssueComment,
  'issues/list-comments': listIssueComments,
  'pulls/list-reviews': listReviews,
  'pulls/create': createPullRequest,
  'apps/list-webhook-deliveries': listAppWebhookDeliveries,
  'apps/redeliver-webhook-delivery': redeliverAppWebhookDelivery,
  'repos/list-webhook-deliveries': listRepoWebhookDeliveries,
  'repos/redeliver-webhook-delivery': redeliverRepoWebhookDelivery,
};

/** Operations authenticated by an app's JWT rather than a token: the handler checks it. */
const JWT_OPERATIONS = new Set([
  'apps/create-installation-access-token',
  'apps/list-webhook-deliveries',
  'apps/redeliver-webhook-delivery',
  'apps/get-repo-installation',
  'apps/get-org-installation',
  // Unauthenticated on GitHub: the code is the proof.
  'apps/create-from-manifest',
]);

const REST_DOCS = 'https://docs.github.com/rest';

/** An injected failure, or what makes one at the moment the request arrives. */
export type FailureSource = InjectedFailure | ((now: Date) => InjectedFailure);

/** One HTTP request as received. */
export interface IncomingApiRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The answer to send, plus what the stand-in noticed about the exchange. */
export interface ApiExchange {
  status: number;
  headers: Record<string, string>;
  payload: Buffer;
  /** The matched operation's id, or undefined for a route GitHub does not have. */
  operationId: string | undefined;
  /** Every way the request or response departed from GitHub's description. */
  violations: string[];
}

/** Settings of a {@link Dispatcher}. */
export interface DispatcherOptions {
  /** When set, requests must carry `Authorization: token <token>` or `Bearer <token>`. */
  token?: string;
  context: Omit<RouteContext, 'docsUrl'>;
}

/**
 * Turns requests into answers: matches each to an operation of GitHub's description (an
 * unknown route is a violation and a 404), validates it, checks the token, runs the
 * operation's handler (an operation without one is a violation and a 501) and validates the
 * answer against the operation's response schema.
 */
export class Dispatcher {
  private readonly validator = new OpenApiValidator();
  /** Failures still to answer, oldest first; a request takes the first one that matches it. */
  private injected: Array<{ remaining: number; failure: FailureSource; operationId: string | undefined }> = [];

  constructor(private readonly options: DispatcherOptions) {}

  /**
   * Makes the next `count` matched requests (of operation `operationId` only, when given) fail
   * with `failure`: a status, or a status with GitHub's headers and message (see failures.ts),
   * or a function making one when the request comes (a reset time relative to that request).
   */
  failNext(count: number, failure: number | FailureSource, operationId?: string): void {
    const answer = typeof failure === 'number' ? serverError(failure) : failure;
    this.injected.push({ remaining: count, failure: answer, operationId });
  }

  /** The failure the request of `operationId` gets, counting it; undefined when none is due. */
  private takeFailure(operationId: string): InjectedFailure | undefined {
    const due = this.injected.find((i) => i.remaining > 0 && (i.operationId ?? operationId) === operationId);
    if (due === undefined) return undefined;
    due.remaining -= 1;
    this.injected = this.injected.filter((i) => i.remaining > 0);
    return typeof due.failure === 'function' ? due.failure(new Date()) : due.failure;
  }

  /** Handles one request; never throws (a handler's exception becomes a 500 and a violation). */
  async dispatch(request: IncomingApiRequest): Promise<ApiExchange> {
    const label = `${request.method} ${request.url.pathname}${request.url.search}`;
    const violations: string[] = [];
    const match = githubRoutes().match(request.method, request.url.pathname);
    if (match === undefined) {
      violations.push(`${label}: no such operation in GitHub's REST API description`);
      return exchange(githubError(404, 'Not Found', REST_DOCS), undefined, violations);
    }
    const { operationId } = match.operation;
    const note = (problem: string): number => violations.push(`${label} [${operationId}]: ${problem}`);
    const context: RouteContext = { ...this.options.context, docsUrl: match.operation.externalDocs?.url ?? REST_DOCS };

    let body: unknown;
    if (request.body.length > 0) {
      try {
        body = JSON.parse(request.body.toString('utf8'));
      } catch {
        note('request body is not JSON');
        return exchange(githubError(400, 'Problems parsing JSON', context.docsUrl), operationId, violations);
      }
    }
    this.validator.validateRequest(match, request.url.searchParams, body).forEach(note);

    const handler = HANDLERS[operationId];
    let response: RouteResponse;
    if (handler === undefined) {
      note('operation not implemented by the GitHub stand-in');
      return exchange(
        githubError(501, `GitHub stand-in does not implement ${operationId}`, context.docsUrl),
        operationId,
        violations,
      );
    }
    const denied = JWT_OPERATIONS.has(operationId)
      ? undefined
      : this.authorize(request.headers.authorization, context, match.pathParams);
    const failure = denied === undefined ? this.takeFailure(operationId) : undefined;
    if (denied !== undefined) response = denied;
    else if (failure !== undefined && !failure.afterWrite) response = failureResponse(failure, context);
    else {
      try {
        response = await handler(
          { params: match.pathParams, query: request.url.searchParams, body, headers: request.headers },
          context,
        );
      } catch (error) {
        note(`stand-in handler failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        response = githubError(500, 'Server Error', context.docsUrl);
      }
      // Done, and the answer lost on its way back.
      if (failure !== undefined) response = failureResponse(failure, context);
    }
    this.validateResponse(match, response).forEach(note);
    return exchange(withRateLimit(response, ++this.requestsServed), operationId, violations);
  }

  /** Requests answered, for the `x-ratelimit-*` headers GitHub sends with every answer. */
  private requestsServed = 0;

  /** The configured token, or an installation token the stand-in issued and that is still valid. */
  private authorize(
    header: string | undefined,
    context: RouteContext,
    params: Record<string, string>,
  ): RouteResponse | undefined {
    const presented = /^(?:token|bearer)\s+(\S+)$/i.exec(header ?? '')?.[1];
    // An installation's token reaches only the repositories of that installation: GitHub answers 404 for the rest.
    const installation = presented ? context.apps.installationOf(presented, Date.now()) : undefined;
    if (installation !== undefined && params.owner && params.repo) {
      if (!context.apps.mayReach(installation, params.owner, params.repo))
        return githubError(404, 'Not Found', context.docsUrl);
    }
    const expected = this.options.token;
    if (expected === undefined) return undefined;
    if (header === undefined) return githubError(401, 'Requires authentication', context.docsUrl);
    const issued = presented && (context.apps.isValidToken(presented, Date.now()) || context.oauth.loginOf(presented));
    if (presented !== expected && !issued) return githubError(401, 'Bad credentials', context.docsUrl);
    return undefined;
  }

  private validateResponse(match: MatchedOperation, response: RouteResponse): string[] {
    if (response.raw !== undefined)
      return this.validator.validateResponse(match, response.status, response.raw.data, false);
    return this.validator.validateResponse(match, response.status, response.body, true);
  }
}

/** The answer of an injected failure: GitHub's error body, with the failure's headers. */
function failureResponse(failure: InjectedFailure, context: RouteContext): RouteResponse {
  const { status, message = 'Server Error', documentationUrl = context.docsUrl, headers = {} } = failure;
  return { ...githubError(status, message, documentationUrl), headers };
}

/**
 * GitHub's rate limit headers on an answer that has none of its own (an injected rate limit
 * brings its own): 5,000 an hour, one used per request the stand-in served.
 */
function withRateLimit(response: RouteResponse, used: number): RouteResponse {
  if (response.headers?.['x-ratelimit-remaining'] !== undefined) return response;
  const limit = 5_000;
  return {
    ...response,
    headers: {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - used)),
      'x-ratelimit-used': String(Math.min(limit, used)),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-resource': 'core',
      ...response.headers,
    },
  };
}

function exchange(response: RouteResponse, operationId: string | undefined, violations: string[]): ApiExchange {
  const headers: Record<string, string> = { ...response.headers };
  let payload: Buffer = Buffer.alloc(0);
  if (response.raw !== undefined) {
    headers['content-type'] = response.raw.contentType;
    payload = response.raw.data;
  } else if (response.body !== undefined) {
    headers['content-type'] = 'application/json; charset=utf-8';
    payload = Buffer.from(JSON.stringify(response.body), 'utf8');
  }
  return { status: response.status, headers, payload, operationId, violations };
}
