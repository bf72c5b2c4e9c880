import type { BuildRequest } from '../builds/types.js';
import { rewriteCloneUrl, type CloneUrlRewrite } from './map-event.js';
import { isRepoName } from './names.js';

/** What `POST /builds` (and `slipway trigger`) asks for. */
export interface ManualRun {
  repo: string;
  sha: string;
  ref?: string;
  params?: Record<string, unknown>;
  user?: string;
}

const RESERVED = /^(PATH|HOME|HOSTNAME|PWD|SHELL|USER|SLIPWAY_.*|MATRIX_.*)$/;

/**
 * A manual run as a build request, or what is wrong with it. `ref` is a branch name or full
 * ref (default `refs/heads/manual`); a run on an environment's branch deploys like a push.
 * Parameters become environment variables of every step. Pure.
 */
export function manualRequest(
  id: string,
  run: ManualRun,
  gitBaseUrl: string,
  rewrite: CloneUrlRewrite,
): { ok: true; request: BuildRequest } | { ok: false; error: string } {
  if (typeof run !== 'object' || run === null) return { ok: false, error: 'the body must be a JSON object' };
  if (typeof run.repo !== 'string') return { ok: false, error: '"repo" must be "owner/name" of a GitHub repository' };
  if (run.params !== undefined && (typeof run.params !== 'object' || run.params === null || Array.isArray(run.params)))
    return { ok: false, error: '"params" must be an object of NAME: value' };
  const [owner, name, extra] = run.repo.split('/');
  if (!isRepoName(owner, name) || extra !== undefined)
    return { ok: false, error: '"repo" must be "owner/name" of a GitHub repository' };
  if (!/^[0-9a-f]{40}$/.test(String(run.sha ?? '')))
    return { ok: false, error: '"sha" must be a full 40-character commit sha' };
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(run.params ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      return { ok: false, error: `parameter "${key}" is not a valid environment variable name` };
    if (RESERVED.test(key)) return { ok: false, error: `parameter "${key}" is reserved` };
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      return { ok: false, error: `parameter "${key}" must be a string, number or boolean` };
    params[key] = String(value);
  }
  if (run.ref !== undefined && (typeof run.ref !== 'string' || !/^[\x21-\x7e]{1,250}$/.test(run.ref)))
    return { ok: false, error: '"ref" must be a branch name or a full ref' };
  const ref = !run.ref ? 'refs/heads/manual' : run.ref.startsWith('refs/') ? run.ref : `refs/heads/${run.ref}`;
  return {
    ok: true,
    request: {
      id,
      event: 'manual',
      repo: { owner: owner!, name: name! },
      sha: run.sha,
      ref,
      cloneUrl: rewriteCloneUrl(`${gitBaseUrl.replace(/\/+$/, '')}/${owner!}/${name!}.git`, rewrite),
      sender: run.user ?? 'api',
      ...(Object.keys(params).length > 0 ? { params } : {}),
    },
  };
}
