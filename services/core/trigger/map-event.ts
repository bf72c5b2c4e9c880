import type { BuildRequest } from '../builds/types.js';
import { gateCommandOf } from '../gate/manual-gate.js';
import { mergeCommandOf } from '../merge-queue/merge-command.js';
import type { MergeCommand } from '../merge-queue/types.js';
import { mapCheckEvent, mapInstallationEvent, type CheckButton, type InstallationChange } from './map-check-event.js';

/** What the receiver does with one delivery. */
export type TriggerDecision =
  | { action: 'build'; request: BuildRequest }
  | { action: 'cancel'; repo: BuildRequest['repo']; ref: string; reason: string }
  | {
      action: 'approval';
      repo: BuildRequest['repo'];
      pullRequest: number;
      user: string;
      decision: 'approve' | 'reject';
    }
  | {
      action: 'merge';
      repo: BuildRequest['repo'];
      pullRequest: number;
      user: string;
      command: MergeCommand;
    }
  /** `/pass` or `/fail` (with a reason) on a pull request: a manual test of its head commit. */
  | {
      action: 'gate';
      repo: BuildRequest['repo'];
      pullRequest: number;
      user: string;
      decision: 'pass' | 'fail';
      reason?: string;
    }
  /** A button on the Checks tab: re-run, approve, reject, cancel. */
  | { action: 'check-button'; button: CheckButton }
  /** An App installation gained or lost repositories. */
  | { action: 'installation'; change: InstallationChange }
  | { action: 'ignore'; reason: string };

const ZERO_SHA = /^0{40}$/;

/** Rewrites clone URLs (e.g. to a mirror or an internal git server), first matching prefix wins. */
export type CloneUrlRewrite = ReadonlyArray<{ from: string; to: string }>;

/**
 * Maps a GitHub event and its payload to a build request, or says why it starts nothing.
 * Pure: the delivery id makes the request id, so a redelivery maps to the same request.
 */
export function mapEvent(
  event: string,
  deliveryId: string,
  payload: unknown,
  rewrite: CloneUrlRewrite = [],
): TriggerDecision {
  const decision =
    event === 'push'
      ? mapPush(deliveryId, payload as PushPayload, rewrite)
      : event === 'pull_request'
        ? mapPullRequest(deliveryId, payload as PullRequestPayload, rewrite)
        : undefined;
  if (decision) return withInstallation(decision, payload);
  if (event === 'issue_comment') return mapComment(payload as CommentPayload);
  if (event === 'check_run' || event === 'check_suite') {
    const button = mapCheckEvent(event, payload);
    return 'ignore' in button ? { action: 'ignore', reason: button.ignore } : { action: 'check-button', button };
  }
  if (event === 'installation' || event === 'installation_repositories') {
    const change = mapInstallationEvent(event, payload);
    return 'ignore' in change ? { action: 'ignore', reason: change.ignore } : { action: 'installation', change };
  }
  return { action: 'ignore', reason: `event "${event}" starts no build` };
}

interface PushPayload {
  ref: string;
  after: string;
  deleted?: boolean;
  forced?: boolean;
  repository: {
    name: string;
    owner: { login?: string; name?: string | null };
    clone_url: string;
    private?: boolean;
    default_branch?: string;
  };
  sender?: { login: string };
  pusher?: { name: string };
  head_commit?: { message?: string } | null;
}

function mapPush(deliveryId: string, p: PushPayload, rewrite: CloneUrlRewrite): TriggerDecision {
  if (p.deleted || ZERO_SHA.test(p.after)) return { action: 'ignore', reason: `${p.ref} was deleted` };
  if (!p.ref.startsWith('refs/heads/')) return { action: 'ignore', reason: `${p.ref} is not a branch` };
  const owner = p.repository.owner.login ?? p.repository.owner.name ?? '';
  return {
    action: 'build',
    request: {
      id: deliveryId,
      event: 'push',
      repo: { owner, name: p.repository.name },
      sha: p.after,
      ref: p.ref,
      cloneUrl: rewriteCloneUrl(p.repository.clone_url, rewrite),
      sender: p.sender?.login ?? p.pusher?.name ?? 'unknown',
      ...subjectOf(p.head_commit?.message),
      ...(p.forced ? { forced: true } : {}),
      ...(typeof p.repository.private === 'boolean' ? { private: p.repository.private } : {}),
      ...defaultBranchOf(p.repository),
    },
  };
}

interface PullRequestPayload {
  action: string;
  number: number;
  pull_request: {
    title?: string;
    head: { sha: string; repo: { full_name: string; clone_url: string } | null };
    base: {
      ref: string;
      repo: { full_name: string; name: string; owner: { login: string }; clone_url: string; private?: boolean };
    };
  };
  repository?: { default_branch?: string };
  sender?: { login: string };
}

const PR_BUILDS = new Set(['opened', 'synchronize', 'reopened']);

/**
 * A pull request opened, pushed to or reopened builds its head commit, with statuses on that
 * commit in the base repository; `closed` cancels its build. A PR from a fork (the head is in
 * another repository, or its repository is gone) is marked so: no secrets, no deploy.
 */
function mapPullRequest(deliveryId: string, p: PullRequestPayload, rewrite: CloneUrlRewrite): TriggerDecision {
  const base = p.pull_request.base.repo;
  const repo = { owner: base.owner.login, name: base.name };
  const ref = `refs/pull/${p.number}/head`;
  if (p.action === 'closed') return { action: 'cancel', repo, ref, reason: `pull request #${p.number} was closed` };
  if (!PR_BUILDS.has(p.action)) return { action: 'ignore', reason: `pull_request "${p.action}" starts no build` };
  const head = p.pull_request.head;
  const fork = head.repo === null || head.repo.full_name !== base.full_name;
  return {
    action: 'build',
    request: {
      id: deliveryId,
      event: 'pull_request',
      repo,
      sha: head.sha,
      ref,
      cloneUrl: rewriteCloneUrl(head.repo?.clone_url ?? base.clone_url, rewrite),
      sender: p.sender?.login ?? 'unknown',
      ...subjectOf(p.pull_request.title),
      pullRequest: p.number,
      baseRef: p.pull_request.base.ref,
      ...(fork ? { fork: true } : {}),
      ...(typeof base.private === 'boolean' ? { private: base.private } : {}),
      ...defaultBranchOf(p.repository),
    },
  };
}

/** The repository's default branch as `{defaultBranch}`, when the payload names one. */
function defaultBranchOf(repository: { default_branch?: unknown } | undefined): { defaultBranch?: string } {
  const branch = repository?.default_branch;
  return typeof branch === 'string' && branch !== '' ? { defaultBranch: branch } : {};
}

/** A commit message's first line (or a title), at most 200 characters, as `{subject}`; nothing when there is none. */
function subjectOf(text: unknown): { subject?: string } {
  if (typeof text !== 'string') return {};
  const subject = text.split('\n', 1)[0]!.trim().slice(0, 200);
  return subject ? { subject } : {};
}

/** A build request from an App's webhook carries the installation it came from. */
function withInstallation(decision: TriggerDecision, payload: unknown): TriggerDecision {
  const id = (payload as { installation?: { id?: unknown } }).installation?.id;
  if (decision.action !== 'build' || typeof id !== 'number') return decision;
  return { ...decision, request: { ...decision.request, installationId: id } };
}

export function rewriteCloneUrl(url: string, rewrite: CloneUrlRewrite): string {
  const rule = rewrite.find((r) => url.startsWith(r.from));
  return rule ? rule.to + url.slice(rule.from.length) : url;
}

interface CommentPayload {
  action: string;
  issue: { number: number; pull_request?: unknown };
  comment: { body: string; user: { login: string } };
  repository: { name: string; owner: { login: string } };
}

/**
 * `/approve` or `/reject`, or `/merge` or `/merge cancel` (the merge queue), alone on the
 * first line of a new comment on a pull request; or `/pass` or `/fail` with an optional reason
 * (a manual test of the pull request's head commit).
 */
function mapComment(p: CommentPayload): TriggerDecision {
  const gate = p.action === 'created' && p.issue.pull_request ? gateCommandOf(p.comment.body) : undefined;
  if (gate)
    return {
      action: 'gate',
      repo: { owner: p.repository.owner.login, name: p.repository.name },
      pullRequest: p.issue.number,
      user: p.comment.user.login,
      ...gate,
    };
  const merge = mergeCommandOf(p.comment.body);
  if (p.action === 'created' && p.issue.pull_request && merge)
    return {
      action: 'merge',
      repo: { owner: p.repository.owner.login, name: p.repository.name },
      pullRequest: p.issue.number,
      user: p.comment.user.login,
      command: merge,
    };
  const command = p.comment.body.trim().split('\n')[0]?.trim();
  if (p.action !== 'created' || !p.issue.pull_request || (command !== '/approve' && command !== '/reject')) {
    return { action: 'ignore', reason: 'comment is not /approve or /reject on a pull request' };
  }
  return {
    action: 'approval',
    repo: { owner: p.repository.owner.login, name: p.repository.name },
    pullRequest: p.issue.number,
    user: p.comment.user.login,
    decision: command === '/approve' ? 'approve' : 'reject',
  };
}
