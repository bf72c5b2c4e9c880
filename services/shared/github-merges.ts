import type { RepoRef } from '../core/builds/types.js';
import type { PullReview } from '../core/merge-queue/review-approvals.js';
import type { CheckState } from '../core/merge-queue/types.js';
import { call, ifNotFound } from './github.js';
import type { Logger } from './logger.js';
import { createOctokit, type GitHubAuth, type OctokitOptions } from './octokit.js';

/** A pull request as the merge queue needs it. */
export interface MergePull {
  number: number;
  state: 'open' | 'closed';
  merged: boolean;
  headSha: string;
  headRef: string;
  baseRef: string;
  /** The head lives in another repository, or its repository is gone. */
  fork: boolean;
  author: string;
}

/**
 * What the merge queue asks of GitHub, beside `GitHub` and `GitHubPeople` (github.ts). Every
 * error is a typed Slipway error, as there.
 */
export interface GitHubMerges {
  pull(repo: RepoRef, number: number): Promise<MergePull>;
  /** Branch protection's required status check contexts; undefined when the branch has none. */
  requiredContexts(repo: RepoRef, branch: string): Promise<string[] | undefined>;
  /**
   * The newest state of every commit status context on `sha`, and of every check run by name
   * (a context no status has): not completed is pending; success, neutral and skipped are
   * success; cancelled and stale are error; any other conclusion is failure. Check runs GitHub
   * will not show (403, 404: a token without the Checks API) are left out.
   */
  checks(repo: RepoRef, sha: string): Promise<Record<string, CheckState>>;
  /**
   * Moves `branch` to `sha` by fast-forward only (`force: false`): `not-fast-forward` when
   * GitHub refuses because the branch is not an ancestor of `sha` any more (it moved).
   */
  fastForward(repo: RepoRef, branch: string, sha: string): Promise<'moved' | 'not-fast-forward'>;
  comment(repo: RepoRef, number: number, body: string): Promise<void>;
  /** The pull request's reviews, oldest first. */
  reviews(repo: RepoRef, number: number): Promise<PullReview[]>;
  /** Creates `branch` at `sha` (when it does not exist) and opens a pull request from it into `base`; its number. */
  openPull(repo: RepoRef, head: string, base: string, title: string, body: string): Promise<number>;
  createBranch(repo: RepoRef, branch: string, sha: string): Promise<void>;
}

/** The merge queue's GitHub client, on the one Octokit factory. */
export function createGitHubMerges(
  baseUrl: string,
  auth: GitHubAuth,
  logger?: Logger,
  options: Omit<OctokitOptions, 'logger'> = {},
): GitHubMerges {
  const octokit = createOctokit(baseUrl, auth, { ...options, ...(logger ? { logger } : {}) });
  const at = (repo: RepoRef) => ({ owner: repo.owner, repo: repo.name });
  const checkRuns = (repo: RepoRef, sha: string) =>
    call(
      async () => {
        const runs = await octokit.paginate(octokit.rest.checks.listForRef, { ...at(repo), ref: sha, per_page: 100 });
        // Newest first, as GitHub lists them: the first of each name is its state now.
        const sorted = [...runs].sort((a, b) => b.id - a.id);
        const states: Record<string, CheckState> = {};
        for (const run of sorted) states[run.name] ??= checkRunState(run.status, run.conclusion);
        return states;
      },
      (err) =>
        err.code === 'github-forbidden' || err.code === 'github-not-found'
          ? { value: {} as Record<string, CheckState> }
          : undefined,
    );
  return {
    pull: (repo, number) =>
      call(async () => {
        const { data } = await octokit.rest.pulls.get({ ...at(repo), pull_number: number });
        return {
          number: data.number,
          state: data.state === 'closed' ? 'closed' : 'open',
          merged: data.merged,
          headSha: data.head.sha,
          headRef: data.head.ref,
          baseRef: data.base.ref,
          fork: data.head.repo === null || data.head.repo.full_name !== data.base.repo.full_name,
          author: data.user.login,
        };
      }),
    requiredContexts: (repo, branch) =>
      call(async () => {
        const { data } = await octokit.rest.repos.getStatusChecksProtection({ ...at(repo), branch });
        return [...new Set([...(data.contexts ?? []), ...(data.checks ?? []).map((c) => c.context)])];
      }, ifNotFound<string[] | undefined>(undefined)),
    checks: (repo, sha) =>
      call(async () => {
        const statuses = await octokit.paginate(octokit.rest.repos.listCommitStatusesForRef, {
          ...at(repo),
          ref: sha,
          per_page: 100,
        });
        // Newest first: the first of each context is its state now.
        const states: Record<string, CheckState> = {};
        for (const s of statuses) states[s.context] ??= s.state as CheckState;
        for (const [name, state] of Object.entries(await checkRuns(repo, sha))) states[name] ??= state;
        return states;
      }),
    fastForward: (repo, branch, sha) =>
      call(
        async () => {
          await octokit.rest.git.updateRef({ ...at(repo), ref: `heads/${branch}`, sha, force: false });
          return 'moved' as const;
        },
        (err) => (err.code === 'github-validation' ? { value: 'not-fast-forward' as const } : undefined),
      ),
    comment: (repo, number, body) =>
      call(async () => {
        await octokit.rest.issues.createComment({ ...at(repo), issue_number: number, body });
      }),
    reviews: (repo, number) =>
      call(async () => {
        const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, {
          ...at(repo),
          pull_number: number,
          per_page: 100,
        });
        return reviews.map((r) => ({
          user: r.user?.login ?? '',
          state: r.state,
          commitId: r.commit_id ?? '',
          ...(r.submitted_at ? { submittedAt: r.submitted_at } : {}),
        }));
      }),
    createBranch: (repo, branch, sha) =>
      call(async () => {
        await octokit.rest.git.createRef({ ...at(repo), ref: `refs/heads/${branch}`, sha });
      }),
    openPull: (repo, head, base, title, body) =>
      call(async () => (await octokit.rest.pulls.create({ ...at(repo), head, base, title, body })).data.number),
  };
}

/** A check run's status and conclusion as a commit status state. */
export function checkRunState(status: string, conclusion: string | null): CheckState {
  if (status !== 'completed') return 'pending';
  if (conclusion === 'success' || conclusion === 'neutral' || conclusion === 'skipped') return 'success';
  if (conclusion === 'cancelled' || conclusion === 'stale') return 'error';
  return 'failure';
}
