import { describeApprovers, mayDecide, type ApprovalRules, type PersonFacts } from '../approval/approval.js';

/** A pull request review as GitHub lists it (`GET /repos/{o}/{r}/pulls/{n}/reviews`), oldest first. */
export interface PullReview {
  user: string;
  /** APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING. */
  state: string;
  /** The head the review was made on. */
  commitId: string;
  submittedAt?: string;
}

/**
 * Who approves `headSha` by review: each person's last deciding review (approved, changes
 * requested or dismissed; comments do not change it) must be an approval made on that very
 * head and younger than `expiresMs`. A review of an older head does not count. Pure.
 */
export function approvingReviewers(
  reviews: readonly PullReview[],
  headSha: string,
  now: Date,
  expiresMs: number,
): string[] {
  const last = new Map<string, PullReview>();
  for (const review of reviews) {
    if (review.state === 'APPROVED' || review.state === 'CHANGES_REQUESTED' || review.state === 'DISMISSED')
      last.set(review.user.toLowerCase(), review);
  }
  return [...last.values()]
    .filter(
      (r) =>
        r.state === 'APPROVED' &&
        r.commitId === headSha &&
        (r.submittedAt === undefined || now.getTime() - Date.parse(r.submittedAt) < expiresMs),
    )
    .map((r) => r.user);
}

/** One approving reviewer with what GitHub says of them. */
export interface Reviewer {
  user: string;
  facts: PersonFacts;
}

/**
 * Whether a promotion's approvals are met by approving reviewers, under the environment's
 * rules (who, how many, no self-approval by `author`), with `core/approval`'s `mayDecide`.
 * `why` lists the reviews that did not count. Pure.
 */
export function promotionApprovals(
  rules: ApprovalRules | undefined,
  author: string,
  reviewers: readonly Reviewer[],
): { met: boolean; approvers: string[]; waitingFor: string; why: string[] } {
  if (!rules) return { met: true, approvers: [], waitingFor: 'nobody', why: [] };
  const request = {
    buildId: '',
    environment: '',
    rules,
    pusher: author,
    requestedAt: '',
    expiresAt: '',
    decisions: [],
    state: 'pending' as const,
  };
  const approvers: string[] = [];
  const why: string[] = [];
  for (const reviewer of reviewers) {
    const verdict = mayDecide(request, reviewer.user, reviewer.facts);
    if (verdict.ok) approvers.push(reviewer.user);
    else why.push(verdict.why);
  }
  const distinct = [...new Set(approvers)];
  return {
    met: distinct.length >= rules.count,
    approvers: distinct,
    waitingFor: `${describeApprovers(rules)} (an approving review of this head)`,
    why,
  };
}
