import type { BuildRequest } from '../builds/types.js';
import { environmentsOf } from '../buildspec/spec-parts.js';
import type { BuildSpec } from '../buildspec/types.js';
import { STAGING } from './staging-check.js';
import type { CacheAccess } from './types.js';

/** The default branch when neither the request nor the spec tells it. */
const FALLBACK_BRANCH = 'master';

/**
 * Which caches a build's steps use, GitHub Actions' rule: the store's scope is the
 * repository (its limits count every ref together), and within it a build saves only under
 * its own ref (`refs/heads/B` for a push or a manual run, `refs/pull/N/head` for a pull
 * request) and restores from its own ref, then a pull request's base branch, then the
 * repository's default branch. So a branch or pull request never leaves an entry that a
 * build of another branch (one that deploys) restores. A pull request from a fork gets none:
 * it runs code from outside and must neither read what trusted builds saved nor leave
 * anything behind. Pure.
 */
export function cacheScope(request: BuildRequest, spec: BuildSpec): CacheAccess {
  if (request.fork) return { refused: "a pull request from a fork neither restores nor saves the repository's caches" };
  const reads = [
    request.ref,
    ...(request.pullRequest !== undefined && request.baseRef ? [`refs/heads/${request.baseRef}`] : []),
    `refs/heads/${defaultBranch(request, spec)}`,
  ];
  return { scope: `${request.repo.owner}/${request.repo.name}`, ref: request.ref, reads: [...new Set(reads)] };
}

/**
 * The repository's default branch: as the webhook said (`repository.default_branch`); for a
 * request without it (a manual run, a record from before it was carried) the branch the spec's
 * `staging` environment deploys (the main line promotions start from), else `master`.
 */
export function defaultBranch(request: BuildRequest, spec: BuildSpec): string {
  return request.defaultBranch ?? environmentsOf(spec.deploy)?.[STAGING]?.branch ?? FALLBACK_BRANCH;
}
