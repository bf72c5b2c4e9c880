/** Which repository's queues (and which pull request, when known) an event may have moved. */
export interface MergeNudge {
  owner: string;
  repo: string;
  pullRequest?: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * Events after which a merge queue's head may have changed: a commit status (a check
 * finished), a pull request pushed to, closed, reopened or retargeted, a review submitted
 * or dismissed, a push to a branch (the base moved). Undefined for anything else. Pure.
 */
export function mergeNudgeOf(event: string, payload: unknown): MergeNudge | undefined {
  if (!isObject(payload) || !isObject(payload.repository)) return undefined;
  const { name, owner } = payload.repository as { name?: unknown; owner?: unknown };
  const login = isObject(owner) ? (owner.login ?? owner.name) : undefined;
  if (typeof name !== 'string' || typeof login !== 'string') return undefined;
  const at = { owner: login, repo: name };
  if (event === 'status' || event === 'push') return at;
  const number = isObject(payload.pull_request) ? payload.pull_request.number : undefined;
  if (typeof number !== 'number') return undefined;
  if (event === 'pull_request' && ['synchronize', 'closed', 'reopened', 'edited'].includes(String(payload.action)))
    return { ...at, pullRequest: number };
  if (event === 'pull_request_review' && ['submitted', 'dismissed', 'edited'].includes(String(payload.action)))
    return { ...at, pullRequest: number };
  return undefined;
}
