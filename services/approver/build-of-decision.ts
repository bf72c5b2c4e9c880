import type { GitHubPeople } from '../shared/github.js';

/** What a decision names its build by: the build itself (API, Checks), or a pull request (a comment). */
export interface DecisionTarget {
  owner: string;
  repo: string;
  buildId?: string;
  pullRequest?: number;
}

/**
 * The build a decision is about: the one it names, else the one parked for the pull
 * request's head commit (`parkedFor`: the approvals' or the manual gates' store). Undefined
 * when neither says.
 */
export async function buildOfDecision(
  target: DecisionTarget,
  pullHead: GitHubPeople['pullHead'],
  parkedFor: (repo: string, sha: string) => Promise<string | undefined>,
): Promise<string | undefined> {
  if (target.buildId) return target.buildId;
  if (target.pullRequest === undefined) return undefined;
  const sha = await pullHead({ owner: target.owner, name: target.repo }, target.pullRequest);
  return parkedFor(`${target.owner}/${target.repo}`, sha);
}
