/**
 * A pull request waiting in a merge queue: one queue per repository and base branch, oldest
 * first. `sha` is the head that was queued and tested; only that commit may be merged.
 */
export interface QueuedPull {
  /** `owner/name` of the base repository. */
  repo: string;
  /** The branch the pull request merges into (`master`, `production`). */
  base: string;
  number: number;
  /** The head commit queued; a rebase by Slipway replaces it, any other push takes the pull request out. */
  sha: string;
  /** The head branch, in the base repository unless `fork`. */
  headRef: string;
  /** The head lives in another repository (or is gone): never rebased by Slipway. */
  fork: boolean;
  /** Who asked (`/merge`, the API, the CLI, the dashboard). */
  by: string;
  queuedAt: string;
  /** How many times Slipway rebased it onto its base. */
  rebases?: number;
  /** The `slipway/merge-queue` status last posted for it (`state: description`), so it is posted on change only. */
  shown?: string;
}

/** The state of a commit status (or a check's conclusion, mapped onto these). */
export type CheckState = 'pending' | 'success' | 'failure' | 'error';

/** What the merge worker learned from GitHub about the queue's head, just now. */
export interface HeadFacts {
  state: 'open' | 'closed';
  merged: boolean;
  /** The pull request's head commit now. */
  headSha: string;
  /** Commits of the base branch the queued sha lacks (0: a fast-forward is possible). */
  behindBy: number;
  /** The contexts that must be green: branch protection's, else the repository policy's. */
  required: readonly string[];
  /** The newest state of each context on the queued sha. */
  checks: Readonly<Record<string, CheckState>>;
  /** Slipway may rebase this branch itself (the repository's opt-in; never for forks). */
  rebase: boolean;
  /** Only for a promotion (a pull request into an environment's branch other than staging). */
  promotion?: PromotionFacts;
}

/** What a promotion waits for beyond its checks. */
export interface PromotionFacts {
  /** Context that proves the commit on staging: `slipway/staging-verified`. */
  stagingVerified: CheckState | undefined;
  /** Whether the approvals the environment requires are met on the current head, and by whom. */
  approvals: { met: boolean; approvers: string[]; waitingFor: string };
}

/** What to do with the queue's head. */
export type MergeVerdict =
  /** Fast-forward the base branch to `sha`. */
  | { kind: 'merge'; sha: string }
  /** Not yet: a check is pending, a promotion waits for staging or approvals. */
  | { kind: 'wait'; reason: string }
  /** The base branch moved: rebase it (opted in, same repository) or take it out. */
  | { kind: 'rebase'; reason: string }
  /** Out of the queue, with a comment saying why. */
  | { kind: 'remove'; reason: string };

/** The two words a pull request comment may say to the queue. */
export type MergeCommand = 'merge' | 'cancel';
