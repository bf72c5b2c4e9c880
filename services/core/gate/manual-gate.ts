import type { Plan, PlanManualGate } from '../plan/types.js';
import type { PersonFacts } from '../approval/approval.js';
import { formatDuration } from '../buildspec/parse-duration.js';

/** One person's word on a manual test, kept whether it counted or not. */
export interface GateDecision {
  user: string;
  decision: 'pass' | 'fail';
  /** What the person said with it (`/fail the total is wrong`), shown on the build and in the stage's status. */
  reason?: string;
  at: string;
  via: 'api' | 'comment' | 'cli' | 'dashboard';
  counted: boolean;
  /** Why it did not count, when it did not. */
  why?: string;
}

/** `cancelled`: the build was cancelled while it was held (the executor tore it down at once). */
export type GateState = 'pending' | 'passed' | 'failed' | 'expired' | 'cancelled';

/**
 * A stage held up for people to test by hand: where its application is, who may pass or
 * fail it, until when, and what was said. On the build record (`BuildRecord.gate`) and in
 * the `ManualGates` port.
 */
export interface GateRequest {
  buildId: string;
  /** The stage held: `e2e`. */
  stage: string;
  /** Where people reach the application (`http://<swarm host>:<port>`). */
  url: string;
  instructions?: string;
  people: PlanManualGate['people'];
  /** Who pushed the commit (shown; the pusher may pass their own change, as the tester). */
  pusher: string;
  /** The build's pull request, where `/pass` and `/fail` comments are taken; absent for a push. */
  pullRequest?: number;
  requestedAt: string;
  expiresAt: string;
  decisions: GateDecision[];
  state: GateState;
}

/** A held stage and the plan to run on when it is decided. */
export interface ParkedGate {
  request: GateRequest;
  plan: Plan;
}

const WRITE = new Set(['admin', 'maintain', 'write']);
const MAINTAIN = new Set(['admin', 'maintain']);

/**
 * May this person's word on the manual test count? A person the spec names (a user, or a
 * member of one of its teams) with at least write permission; when the spec names nobody,
 * anyone with maintain permission, as for approvals. Pure.
 */
export function mayDecideGate(
  request: Pick<GateRequest, 'people'>,
  user: string,
  facts: PersonFacts,
): { ok: true } | { ok: false; why: string } {
  const { users, teams } = request.people;
  const nobodyNamed = users.length === 0 && teams.length === 0;
  if (nobodyNamed) {
    if (MAINTAIN.has(facts.role)) return { ok: true };
    return {
      ok: false,
      why: `${user} has ${facts.role} permission on the repository; deciding a manual test needs maintain or admin`,
    };
  }
  if (!users.includes(user) && facts.teams.length === 0)
    return { ok: false, why: `${user} is not among the testers (${describeTesters(request.people)})` };
  if (!WRITE.has(facts.role))
    return {
      ok: false,
      why: `${user} has ${facts.role} permission on the repository; deciding a manual test needs write or more`,
    };
  return { ok: true };
}

/** Where a gate stands after its decisions, at `now`: the first counted word decides; past its time it expired. */
export function gateState(request: GateRequest, now: Date): GateState {
  if (request.state !== 'pending') return request.state;
  const first = request.decisions.find((d) => d.counted);
  if (first) return first.decision === 'pass' ? 'passed' : 'failed';
  if (now.getTime() >= Date.parse(request.expiresAt)) return 'expired';
  return 'pending';
}

/** The counted decision that settled the gate, if a person settled it. */
export function settledBy(request: GateRequest): GateDecision | undefined {
  return request.decisions.find((d) => d.counted);
}

export function describeTesters(people: PlanManualGate['people']): string {
  const who = [...people.users, ...people.teams.map((t) => `team ${t}`)];
  return who.length > 0 ? who.join(', ') : 'anyone with maintain permission';
}

/** What the held stage's status says while it waits, and once it is decided (after `state` is set). */
export function gateReason(request: GateRequest, timeoutMs: number): string {
  const decided = settledBy(request);
  switch (request.state) {
    case 'passed':
      return `Manual test passed by ${decided!.user}${decided!.reason ? `: ${decided!.reason}` : ''}`;
    case 'failed':
      return `Manual test failed by ${decided!.user}${decided!.reason ? `: ${decided!.reason}` : ''}`;
    case 'expired':
      return `Manual test timed out: nobody passed or failed it within ${formatDuration(timeoutMs)}`;
    case 'cancelled':
      return 'Manual test not finished: the build was cancelled';
    default:
      return (
        `for a manual test at ${request.url} by ${describeTesters(request.people)} ` +
        `(${where(request)}) until ${request.expiresAt.slice(0, 16).replace('T', ' ')} UTC`
      );
  }
}

/**
 * Where people decide. A push's commit came by a fast-forward merge, so the pull request whose
 * head it is takes the comments too (the approver finds the build by that head).
 */
function where(request: GateRequest): string {
  return request.pullRequest !== undefined
    ? `/pass or /fail on pull request #${request.pullRequest}, Pass or Fail on the build page, or the API`
    : '/pass or /fail on the pull request this commit came from, Pass or Fail on the build page, or the API';
}

/**
 * `/pass` or `/fail`, alone at the start of the first line of a comment, with an optional
 * reason after it (`/fail the total is wrong`). Pure.
 */
export function gateCommandOf(body: string): { decision: 'pass' | 'fail'; reason?: string } | undefined {
  const line = body.trim().split('\n')[0]?.trim() ?? '';
  const match = /^\/(pass|fail)(?:\s+(.*))?$/.exec(line);
  if (!match) return undefined;
  const reason = match[2]?.trim().slice(0, 200);
  return { decision: match[1] as 'pass' | 'fail', ...(reason ? { reason } : {}) };
}
