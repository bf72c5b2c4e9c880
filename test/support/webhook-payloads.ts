import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * A webhook payload. Deliberately untyped: tests build and mutate real GitHub payloads, and
 * the code under test must cope with their actual shape, not a type we wrote.
 */
export type WebhookPayload = any;

/** One event's entry in `@octokit/webhooks-examples`. */
interface ExampleDefinition {
  name: string;
  examples: WebhookPayload[];
}

const ZERO_SHA = '0000000000000000000000000000000000000000';

let definitions: ExampleDefinition[] | undefined;

function loadDefinitions(): ExampleDefinition[] {
  if (definitions === undefined) {
    const file = createRequire(import.meta.url).resolve('@octokit/webhooks-examples');
    definitions = JSON.parse(readFileSync(file, 'utf8')) as ExampleDefinition[];
  }
  return definitions;
}

/**
 * A deep copy of a real example payload of `event` (e.g. 'push', 'pull_request',
 * 'issue_comment') from `@octokit/webhooks-examples` (api.github.com): the first one, or the
 * first for which `pick` is true. Throws when there is none.
 *
 * @example examplePayload('push', (p) => p.ref.startsWith('refs/heads/') && !p.deleted)
 */
export function examplePayload(event: string, pick: (payload: WebhookPayload) => boolean = () => true): WebhookPayload {
  const definition = loadDefinitions().find((d) => d.name === event);
  if (definition === undefined) throw new Error(`@octokit/webhooks-examples has no '${event}' event`);
  const found: unknown = definition.examples.find((example) => pick(example));
  if (found === undefined) throw new Error(`no '${event}' example matches the given predicate`);
  return structuredClone(found);
}

/**
 * The headers GitHub sends with a delivery of `body`: `content-type`, `user-agent`,
 * `x-github-event`, `x-github-delivery`, `x-hub-signature` (HMAC-SHA1) and
 * `x-hub-signature-256` (HMAC-SHA256 of the exact body bytes with `secret`, the header
 * `@octokit/webhooks` verifies; a unit test checks the two agree).
 */
export function signedHeaders(event: string, body: string, secret: string, deliveryId: string): Record<string, string> {
  const hmac = (algorithm: string): string => createHmac(algorithm, secret).update(body, 'utf8').digest('hex');
  return {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/slipway-stand-in',
    'x-github-event': event,
    'x-github-delivery': deliveryId,
    'x-hub-signature': `sha1=${hmac('sha1')}`,
    'x-hub-signature-256': `sha256=${hmac('sha256')}`,
  };
}

/** What {@link pushPayload} changes in the example push. */
export interface PushPayloadOptions {
  owner: string;
  repo: string;
  /** Becomes `repository.clone_url` (e.g. the stand-in's `cloneUrl(owner, repo)`). */
  cloneUrl: string;
  /** Branch name without `refs/heads/`. */
  branch: string;
  /** Sha the branch pointed at before; all zeros for a new branch (`created` follows). */
  before: string;
  /** Sha the branch points at now (`head_commit.id`). */
  after: string;
  forced?: boolean;
}

/**
 * A push to a branch, built from the real example (a branch push that is not a deletion),
 * changing only the ref, the shas (`before`, `after`, `head_commit.id`, the head commit's
 * entry in `commits`), `created`/`forced`, and the repository's names and URLs
 * (`name`, `full_name`, `owner.login`, `owner.name`, `clone_url`, and every URL that named
 * the example repository or its owner).
 */
export function pushPayload(options: PushPayloadOptions): WebhookPayload {
  const payload = examplePayload('push', (p) => p.ref.startsWith('refs/heads/') && p.deleted === false);
  const oldFullName: string = payload.repository.full_name;
  const oldOwner: string = payload.repository.owner.login;
  const oldAfter: string = payload.after;
  const fullName = `${options.owner}/${options.repo}`;
  const rename = (text: string): string =>
    text
      .replaceAll(oldFullName, fullName)
      .replaceAll(`/${oldOwner}`, `/${options.owner}`)
      .replaceAll(oldAfter, options.after);

  payload.ref = `refs/heads/${options.branch}`;
  payload.before = options.before;
  payload.after = options.after;
  payload.created = options.before === ZERO_SHA;
  payload.deleted = false;
  payload.forced = options.forced ?? false;
  payload.compare = rename(payload.compare);
  for (const commit of [payload.head_commit, ...payload.commits]) {
    if (commit?.id !== oldAfter) continue;
    commit.id = options.after;
    commit.url = rename(commit.url);
  }

  const repository = payload.repository;
  renameUrls(repository, rename);
  renameUrls(repository.owner, rename);
  repository.name = options.repo;
  repository.full_name = fullName;
  repository.owner.login = options.owner;
  repository.owner.name = options.owner;
  repository.clone_url = options.cloneUrl;
  return payload;
}

/** Rewrites the string fields named `url` or `*_url` of one object (not nested ones). */
function renameUrls(target: Record<string, unknown>, rename: (text: string) => string): void {
  for (const [key, value] of Object.entries(target)) {
    if (typeof value === 'string' && (key === 'url' || key.endsWith('_url'))) target[key] = rename(value);
  }
}

/** What a test changes in GitHub's example `pull_request` payload. */
export interface PullRequestPayloadOptions {
  owner: string;
  repo: string;
  action?: string;
  number?: number;
  headSha: string;
  baseRef: string;
  /** The head's repository when it is a fork, e.g. `mallory/repo`; by default the base repository. */
  headRepo?: string;
}

/**
 * GitHub's example `pull_request` payload for `action`, changed only in the pull request's
 * number, head sha, base ref and the repositories' names (the clone URL is github.com's, for
 * Slipway's rewrite rules).
 */
export function pullRequestPayload(options: PullRequestPayloadOptions): WebhookPayload {
  const payload = examplePayload('pull_request', (p) => p.action === (options.action ?? 'opened'));
  const fullName = `${options.owner}/${options.repo}`;
  if (options.number !== undefined) {
    payload.number = options.number;
    payload.pull_request.number = options.number;
  }
  payload.pull_request.head.sha = options.headSha;
  payload.pull_request.head.repo.full_name = options.headRepo ?? fullName;
  payload.pull_request.head.repo.clone_url = `https://github.com/${fullName}.git`;
  payload.pull_request.base.ref = options.baseRef;
  payload.pull_request.base.repo.full_name = fullName;
  payload.pull_request.base.repo.name = options.repo;
  payload.pull_request.base.repo.owner.login = options.owner;
  return payload;
}
