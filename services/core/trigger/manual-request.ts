import type { BuildRequest } from '../builds/types.js';
import { rewriteCloneUrl, type CloneUrlRewrite } from './map-event.js';
import { isRepoName } from './names.js';

/** What `POST /builds` (and `slipway trigger`) asks for. */
export interface ManualRun {
  repo: string;
  sha: string;
  ref?: string;
  params?: Record<string, unknown>;
  /** Parameters whose values are secret: delivered like the operator's secrets, never stored with the request. */
  secret_params?: Record<string, unknown>;
  user?: string;
}

const RESERVED = /^(PATH|HOME|HOSTNAME|PWD|SHELL|USER|SLIPWAY_.*|MATRIX_.*)$/;

/**
 * A manual run as a build request, or what is wrong with it. `ref` is a branch name or full
 * ref (default `refs/heads/manual`); a run on an environment's branch deploys like a push.
 * Parameters become environment variables of every step; secret parameters' values are
 * returned apart (`secretValues`), the request naming them only (`secretParams`). Pure.
 */
export function manualRequest(
  id: string,
  run: ManualRun,
  gitBaseUrl: string,
  rewrite: CloneUrlRewrite,
): { ok: true; request: BuildRequest; secretValues: Record<string, string> } | { ok: false; error: string } {
  if (typeof run !== 'object' || run === null) return { ok: false, error: 'the body must be a JSON object' };
  if (typeof run.repo !== 'string') return { ok: false, error: '"repo" must be "owner/name" of a GitHub repository' };
  const [owner, name, extra] = run.repo.split('/');
  if (!isRepoName(owner, name) || extra !== undefined)
    return { ok: false, error: '"repo" must be "owner/name" of a GitHub repository' };
  if (!/^[0-9a-f]{40}$/.test(String(run.sha ?? '')))
    return { ok: false, error: '"sha" must be a full 40-character commit sha' };
  const params = parameters(run.params, 'params');
  if (typeof params === 'string') return { ok: false, error: params };
  const secretValues = parameters(run.secret_params, 'secret_params');
  if (typeof secretValues === 'string') return { ok: false, error: secretValues };
  for (const key of Object.keys(secretValues)) {
    if (key in params) return { ok: false, error: `parameter "${key}" is both in "params" and "secret_params"` };
    // A secret arrives as a file and is exported under its upper-case name: say so rather than rename it.
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key))
      return { ok: false, error: `secret parameter "${key}" must be an upper-case name (A-Z, 0-9, _)` };
    if (secretValues[key] === '') return { ok: false, error: `secret parameter "${key}" is empty` };
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
      ...(Object.keys(secretValues).length > 0 ? { secretParams: Object.keys(secretValues).sort() } : {}),
    },
    secretValues,
  };
}

/** `params` or `secret_params` as environment variables, or what is wrong with them. */
function parameters(given: unknown, field: string): Record<string, string> | string {
  if (given === undefined) return {};
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    return `"${field}" must be an object of NAME: value`;
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(given)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return `parameter "${key}" is not a valid environment variable name`;
    if (RESERVED.test(key)) return `parameter "${key}" is reserved`;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      return `parameter "${key}" must be a string, number or boolean`;
    params[key] = String(value);
  }
  return params;
}
