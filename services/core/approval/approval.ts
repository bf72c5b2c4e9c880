import type { Plan, PlanEnvironment } from '../plan/types.js';

export type ApprovalRules = NonNullable<PlanEnvironment['approval']>;

/** One person's word on a deploy, kept whether it counted or not. */
export interface ApprovalDecision {
  user: string;
  decision: 'approve' | 'reject';
  at: string;
  /** Where it was given; `check_run`: a button on GitHub's Checks tab. */
  via: 'api' | 'comment' | 'cli' | 'check_run';
  counted: boolean;
  /** Why it did not count, when it did not. */
  why?: string;
}

export type ApprovalState = 'pending' | 'approved' | 'rejected' | 'expired';

/** A deploy waiting for people: what it needs and what was said. */
export interface ApprovalRequest {
  buildId: string;
  environment: string;
  rules: ApprovalRules;
  /** Who pushed the commit: not allowed to approve alone unless the rules say so. */
  pusher: string;
  requestedAt: string;
  expiresAt: string;
  decisions: ApprovalDecision[];
  state: ApprovalState;
}

/** A parked deploy (or fork build): the approval it waits for and the plan to run when it is given. */
export interface ParkedDeploy {
  request: ApprovalRequest;
  plan: Plan;
}

/** What GitHub says of a person, looked up by an adapter. */
export interface PersonFacts {
  /** role_name on the repository: admin, maintain, write, triage, read or none. */
  role: string;
  /** Which of the rules' teams (`org/slug`) the person is an active member of. */
  teams: string[];
}

const MAINTAIN = new Set(['admin', 'maintain']);

/**
 * May this person's decision count? They must be named by the rules (a user, or a member of
 * a team) — or anyone when the rules name nobody — and hold at least maintain permission;
 * the pusher only when the rules allow self-approval. Pure.
 */
export function mayDecide(
  request: ApprovalRequest,
  user: string,
  facts: PersonFacts,
): { ok: true } | { ok: false; why: string } {
  const { rules } = request;
  const named =
    rules.users.length === 0 && rules.teams.length === 0 ? true : rules.users.includes(user) || facts.teams.length > 0;
  if (!named) return { ok: false, why: `${user} is not among the approvers (${describeApprovers(rules)})` };
  if (!MAINTAIN.has(facts.role))
    return {
      ok: false,
      why: `${user} has ${facts.role} permission on the repository; approving needs maintain or admin`,
    };
  if (user === request.pusher && !rules.allowSelfApproval)
    return { ok: false, why: `${user} pushed this commit and cannot approve its deploy` };
  return { ok: true };
}

/**
 * Where a request stands after its decisions, at `now`. A counted rejection ends it; enough
 * distinct approvals pass it.
 */
export function approvalState(request: ApprovalRequest, now: Date): ApprovalState {
  if (request.state === 'rejected' || request.state === 'approved' || request.state === 'expired') return request.state;
  const counted = request.decisions.filter((d) => d.counted);
  if (counted.some((d) => d.decision === 'reject')) return 'rejected';
  const approvers = new Set(counted.filter((d) => d.decision === 'approve').map((d) => d.user));
  if (approvers.size >= request.rules.count) return 'approved';
  if (now.getTime() >= Date.parse(request.expiresAt)) return 'expired';
  return 'pending';
}

export function describeApprovers(rules: ApprovalRules): string {
  const who = [...rules.users, ...rules.teams.map((t) => `team ${t}`)];
  const named = who.length > 0 ? who.join(', ') : 'anyone with maintain permission';
  return rules.count > 1 ? `${rules.count} of ${named}` : named;
}
