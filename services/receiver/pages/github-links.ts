import type { BuildRequest } from '../../core/builds/types.js';

/** Where people open GitHub in a browser (the web host, not the API). */
export const GITHUB_WEB = 'https://github.com';

/** The links a build's pages offer to GitHub, from its request alone. Pure. */
export interface GitHubLinks {
  repo: string;
  commit: string;
  /** The branch's tree, for a branch build. */
  branch?: string;
  pullRequest?: string;
  /** The repository's deployments of an environment. */
  deployments: (environment: string) => string;
}

export function githubLinks(request: Pick<BuildRequest, 'repo' | 'sha' | 'ref' | 'pullRequest'>): GitHubLinks {
  const repo = `${GITHUB_WEB}/${encodeURIComponent(request.repo.owner)}/${encodeURIComponent(request.repo.name)}`;
  const branch = branchOf(request.ref);
  return {
    repo,
    commit: `${repo}/commit/${encodeURIComponent(request.sha)}`,
    ...(branch !== undefined ? { branch: `${repo}/tree/${branch.split('/').map(encodeURIComponent).join('/')}` } : {}),
    ...(request.pullRequest !== undefined ? { pullRequest: `${repo}/pull/${request.pullRequest}` } : {}),
    deployments: (environment) => `${repo}/deployments/${encodeURIComponent(environment)}`,
  };
}

/** The branch a ref names (`refs/heads/main` → `main`), or undefined for a pull request's or a tag's ref. */
export function branchOf(ref: string): string | undefined {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
}
