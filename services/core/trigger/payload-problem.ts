import { isRepoName } from './names.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const SHA = /^[0-9a-f]{40}$/;

/** The first way a field is not what GitHub sends, or undefined. */
type Check = (payload: Json) => string | undefined;

function at(payload: unknown, path: string): unknown {
  let value = payload;
  for (const key of path.split('.')) value = isObject(value) ? value[key] : undefined;
  return value;
}

const string =
  (path: string, pattern?: RegExp): Check =>
  (p) => {
    const v = at(p, path);
    if (typeof v !== 'string') return `${path} must be a string`;
    return pattern && !pattern.test(v) ? `${path} is not what GitHub sends` : undefined;
  };
const optional =
  (path: string, type: 'string' | 'boolean'): Check =>
  (p) => {
    const v = at(p, path);
    return v === undefined || v === null || typeof v === type ? undefined : `${path} must be a ${type}`;
  };
const integer =
  (path: string): Check =>
  (p) => {
    const v = at(p, path);
    return Number.isSafeInteger(v) && (v as number) > 0 ? undefined : `${path} must be a positive whole number`;
  };
const object =
  (path: string, nullable = false): Check =>
  (p) => {
    const v = at(p, path);
    return isObject(v) || (nullable && v === null) ? undefined : `${path} must be an object`;
  };
const repo =
  (path: string, ownerField: 'login' | 'login-or-name'): Check =>
  (p) => {
    const r = at(p, path);
    if (!isObject(r) || !isObject(r.owner)) return `${path}.owner must be an object`;
    const owner = ownerField === 'login' ? r.owner.login : (r.owner.login ?? r.owner.name);
    return isRepoName(owner, r.name) ? undefined : `${path} does not name a GitHub repository`;
  };

const CHECKS: Record<string, Check[]> = {
  push: [
    string('ref'),
    string('after', SHA),
    optional('deleted', 'boolean'),
    optional('forced', 'boolean'),
    object('repository'),
    repo('repository', 'login-or-name'),
    string('repository.clone_url'),
    optional('repository.private', 'boolean'),
    optional('sender.login', 'string'),
    optional('pusher.name', 'string'),
  ],
  pull_request: [
    string('action'),
    integer('number'),
    object('pull_request'),
    string('pull_request.head.sha', SHA),
    object('pull_request.head.repo', true),
    string('pull_request.base.ref'),
    object('pull_request.base.repo'),
    repo('pull_request.base.repo', 'login'),
    string('pull_request.base.repo.full_name'),
    string('pull_request.base.repo.clone_url'),
    optional('pull_request.base.repo.private', 'boolean'),
    (p) =>
      at(p, 'pull_request.head.repo') === null
        ? undefined
        : (string('pull_request.head.repo.full_name')(p) ?? string('pull_request.head.repo.clone_url')(p)),
    optional('sender.login', 'string'),
  ],
  issue_comment: [
    string('action'),
    object('issue'),
    integer('issue.number'),
    string('comment.body'),
    string('comment.user.login'),
    repo('repository', 'login'),
  ],
  ping: [optional('zen', 'string')],
  check_run: [
    string('action'),
    string('check_run.name'),
    optional('check_run.external_id', 'string'),
    string('check_run.head_sha', SHA),
    optional('requested_action.identifier', 'string'),
    repo('repository', 'login'),
    string('sender.login'),
  ],
  check_suite: [
    string('action'),
    string('check_suite.head_sha', SHA),
    repo('repository', 'login'),
    string('sender.login'),
  ],
  installation: [string('action'), integer('installation.id'), optional('sender.login', 'string')],
  installation_repositories: [string('action'), integer('installation.id'), optional('sender.login', 'string')],
};

/**
 * What is wrong with a verified payload, in words for the 400 answer; undefined when every
 * field Slipway reads is there with GitHub's type (and repository names are names). Events
 * Slipway does not read need only be an object. Pure.
 */
export function payloadProblem(event: string, payload: unknown): string | undefined {
  if (!isObject(payload)) return 'the body must be a JSON object';
  for (const check of CHECKS[event] ?? []) {
    const problem = check(payload);
    if (problem) return problem;
  }
  return undefined;
}
