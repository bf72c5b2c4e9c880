import type { BuildRecord } from './record.js';
import type { RunState } from './types.js';

/**
 * A build in a few fields: what the build list (`GET /api/v1/builds`) and every build event
 * carry. Never secret: no clone URL, no parameters.
 */
export interface BuildSummary {
  id: string;
  /** `owner/name`. */
  repo: string;
  /** The branch, when the ref is one (`refs/heads/main` gives `main`). */
  branch?: string;
  /** The full ref. */
  ref: string;
  /** The pull request's number, for a pull request's build. */
  pr?: number;
  sha: string;
  state: RunState;
  /** What started it: `push`, `pull_request`, `manual`, `rerun`, … (the request's event). */
  trigger: string;
  sender: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** The build this one re-runs, when it is a re-run. */
  rerunOf?: string;
  /** The repository is private (or not known to be public): who may see this build depends on it. */
  private: boolean;
}

/** A record's summary; tolerates a record stored in a shape it should not have (never throws on one). Pure. */
export function buildSummary(record: BuildRecord): BuildSummary {
  const request = record.request ?? ({} as Partial<BuildRecord['request']>);
  const repo = request.repo ? `${request.repo.owner}/${request.repo.name}` : '';
  const ref = typeof request.ref === 'string' ? request.ref : '';
  return {
    id: record.id,
    repo,
    ...(ref.startsWith('refs/heads/') ? { branch: ref.slice('refs/heads/'.length) } : {}),
    ref,
    ...(typeof request.pullRequest === 'number' ? { pr: request.pullRequest } : {}),
    sha: typeof request.sha === 'string' ? request.sha : '',
    state: record.state,
    trigger: typeof request.event === 'string' ? request.event : '',
    sender: typeof request.sender === 'string' ? request.sender : '',
    createdAt: record.createdAt,
    ...(record.startedAt ? { startedAt: record.startedAt } : {}),
    ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
    ...(record.rerunOf ? { rerunOf: record.rerunOf.buildId } : {}),
    private: request.private !== false,
  };
}
