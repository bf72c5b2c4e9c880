import type { RepoRef } from '../core/builds/types.js';
import type { SpecParser } from '../core/buildspec/parse-spec.js';
import type { SpecPolicy } from '../core/buildspec/types.js';
import { assessHead } from '../core/merge-queue/assess-head.js';
import { mergeComments } from '../core/merge-queue/comments.js';
import { mayQueue } from '../core/merge-queue/may-queue.js';
import { positionText } from '../core/merge-queue/position.js';
import type { QueuedPull } from '../core/merge-queue/types.js';
import type { GitHub, GitHubPeople } from '../shared/github.js';
import type { GitHubMerges } from '../shared/github-merges.js';
import type { Logger } from '../shared/logger.js';
import type { AuditLog } from '../shared/ports/audit-log.js';
import type { MergeQueue } from '../shared/ports/merge-queue.js';
import type { Queues } from '../shared/ports/queues.js';
import { safeJobId, type MergeJob } from '../shared/queues.js';
import type { Rebaser } from './git-rebase.js';
import { gatherFacts } from './merge-facts.js';
import { openPromotion } from './open-promotion.js';

export interface MergerDeps {
  github: GitHub & GitHubPeople & GitHubMerges;
  mergeQueue: MergeQueue;
  queues: Queues;
  audit: AuditLog;
  logger: Logger;
  parseSpec: SpecParser;
  policyFor: (repo: RepoRef) => SpecPolicy;
  /** Rebases stale same-repository branches, for repositories whose policy has `mergeRebase`. */
  rebaser?: Rebaser;
  /** Where the rebaser clones a repository from (with the operator's rewrite rules applied). */
  cloneUrlOf?: (repo: RepoRef) => string;
  /** How often a head that waits for checks is looked at again without an event (default 30 s). */
  recheckMs?: number;
  now?: () => Date;
}

/** The status of a pull request's place in the queue. */
const CONTEXT = 'slipway/merge-queue';
/** A queue never takes more than this many steps in one job (each merges or removes its head). */
const MAX_STEPS = 50;
/** A branch rebased this often while its base kept moving leaves the queue. */
const MAX_REBASES = 3;

/**
 * One merge job: `/merge` (by someone with write permission) queues the pull request's head
 * as it is now, `/merge cancel` takes it out; every job then looks at the heads of the
 * queues it concerns. A head is merged by moving its base to exactly the queued sha by
 * fast-forward (GitHub refuses anything else), then the next head is looked at; one that
 * must wait schedules a recheck, so no worker waits. A job run twice finds the queue as
 * the first left it: a merged pull request is out of the queue, a merged sha is the base.
 */
export async function processMerge(job: MergeJob, deps: MergerDeps): Promise<string> {
  const repo = { owner: job.owner, name: job.repo };
  const full = `${job.owner}/${job.repo}`;
  if (job.kind === 'command') {
    const said = job.command === 'merge' ? await queueIt(job, repo, deps) : await cancelIt(job, repo, deps);
    const entry = await deps.mergeQueue.find(full, job.pullRequest);
    await advance(repo, entry ? [entry.base] : await basesOf(full, deps), deps);
    return said;
  }
  if (job.kind === 'promote') return openPromotion(job, deps);
  let bases: string[];
  if (job.base) bases = [job.base];
  else if (job.pullRequest !== undefined) {
    const entry = await deps.mergeQueue.find(full, job.pullRequest);
    bases = entry ? [entry.base] : [];
  } else bases = await basesOf(full, deps);
  await advance(repo, bases, deps);
  return bases.length === 0 ? 'nothing queued' : `looked at ${bases.join(', ')}`;
}

async function basesOf(full: string, deps: MergerDeps): Promise<string[]> {
  return [...new Set((await deps.mergeQueue.queued(full)).map((e) => e.base))];
}

async function queueIt(job: Extract<MergeJob, { kind: 'command' }>, repo: RepoRef, deps: MergerDeps): Promise<string> {
  const { github } = deps;
  const pull = await github.pull(repo, job.pullRequest);
  const allowed = mayQueue(job.user, await github.roleOf(repo, job.user));
  const why = !allowed.ok ? allowed.why : pull.state !== 'open' ? 'the pull request is closed' : undefined;
  const at = nowOf(deps).toISOString();
  const base = {
    at,
    repo: `${repo.owner}/${repo.name}`,
    actor: job.user,
    pullRequest: pull.number,
    base: pull.baseRef,
  };
  const origin = job.from ? { from: job.from } : {};
  if (why) {
    await github.comment(repo, pull.number, mergeComments.refused(why));
    await deps.audit.append({
      ...base,
      ...origin,
      kind: 'merge-queue',
      event: 'refused',
      sha: pull.headSha,
      reason: why,
    });
    return `refused: ${why}`;
  }
  const queued = await deps.mergeQueue.enqueue({
    repo: `${repo.owner}/${repo.name}`,
    base: pull.baseRef,
    number: pull.number,
    sha: pull.headSha,
    headRef: pull.headRef,
    fork: pull.fork,
    by: job.user,
    queuedAt: at,
  });
  if (!queued.added) return `already queued (${queued.index + 1} in line)`;
  await github.comment(repo, pull.number, mergeComments.queued(job.user, queued.index, pull.baseRef, pull.headSha));
  await deps.audit.append({ ...base, ...origin, kind: 'merge-queue', event: 'queued', sha: pull.headSha });
  await show(queued.entry, 'pending', positionText(queued.index, pull.baseRef), deps);
  return `queued ${queued.index + 1} in line`;
}

async function cancelIt(job: Extract<MergeJob, { kind: 'command' }>, repo: RepoRef, deps: MergerDeps): Promise<string> {
  const full = `${repo.owner}/${repo.name}`;
  const role = await deps.github.roleOf(repo, job.user);
  const allowed = mayQueue(job.user, role);
  if (!allowed.ok) {
    await deps.github.comment(repo, job.pullRequest, mergeComments.refused(allowed.why));
    return `refused: ${allowed.why}`;
  }
  const removed = await deps.mergeQueue.remove(full, job.pullRequest);
  if (!removed) return 'not queued';
  await deps.github.comment(repo, job.pullRequest, mergeComments.cancelled(job.user));
  await post(removed, 'failure', `Out of the merge queue: @${job.user} said /merge cancel`, deps);
  await deps.audit.append({
    at: nowOf(deps).toISOString(),
    repo: full,
    actor: job.user,
    ...(job.from ? { from: job.from } : {}),
    kind: 'merge-queue',
    event: 'removed',
    pullRequest: removed.number,
    base: removed.base,
    sha: removed.sha,
    reason: '/merge cancel',
  });
  return 'cancelled';
}

/** Looks at the head of each base's queue until one must wait or the queue is empty. */
async function advance(repo: RepoRef, bases: readonly string[], deps: MergerDeps): Promise<void> {
  for (const base of bases) {
    for (let step = 0; step < MAX_STEPS; step += 1) {
      const entries = await deps.mergeQueue.list(`${repo.owner}/${repo.name}`, base);
      const head = entries[0];
      if (!head) break;
      if (!(await stepHead(head, repo, deps))) {
        await showPositions(entries.slice(1), deps);
        break;
      }
      await showPositions((await deps.mergeQueue.list(`${repo.owner}/${repo.name}`, base)).slice(1), deps);
    }
  }
}

/** Acts on the head; true when it left the queue (look at the next one), false when it waits. */
async function stepHead(head: QueuedPull, repo: RepoRef, deps: MergerDeps): Promise<boolean> {
  const now = nowOf(deps);
  const gathered = await gatherFacts(head, repo, {
    github: deps.github,
    parseSpec: deps.parseSpec,
    policy: deps.policyFor(repo),
    canRebase: Boolean(deps.rebaser && deps.cloneUrlOf) && (head.rebases ?? 0) < MAX_REBASES,
    now,
  });
  const verdict = assessHead(head, gathered.facts);
  deps.logger.info('merge queue head', { repo: head.repo, base: head.base, pullRequest: head.number, verdict });
  if (verdict.kind === 'wait') {
    await show(head, 'pending', `1st in line: ${verdict.reason}`, deps);
    await recheck(repo, head.base, deps);
    return false;
  }
  if (verdict.kind === 'rebase') return rebaseHead(head, repo, verdict.reason, deps);
  if (verdict.kind === 'remove') {
    if (gathered.facts.behindBy > 0) await upToDate(head, 'failure', verdict.reason, deps);
    await removeHead(head, verdict.reason, deps);
    return true;
  }
  await upToDate(head, 'success', `${head.base} is in this branch: it merges as a fast-forward`, deps);
  const moved = await deps.github.fastForward(repo, head.base, verdict.sha);
  if (moved === 'not-fast-forward') {
    // The base moved meanwhile (look again), or GitHub refused for another reason (branch protection).
    if ((await deps.github.behindBy(repo, head.base, head.sha)) > 0) return true;
    await removeHead(head, `GitHub refused to move ${head.base} to ${head.sha.slice(0, 7)} (branch protection?)`, deps);
    return true;
  }
  await merged(head, repo, gathered.promotion, deps);
  return true;
}

/**
 * Rebases the head's branch onto its base and pushes it; the queued sha becomes the rebased
 * head, which waits for its own checks (GitHub announces the push, Slipway builds it). False:
 * the queue waits; true when it failed and the pull request left the queue.
 */
async function rebaseHead(head: QueuedPull, repo: RepoRef, reason: string, deps: MergerDeps): Promise<boolean> {
  const result = await deps.rebaser!({
    cloneUrl: deps.cloneUrlOf!(repo),
    base: head.base,
    branch: head.headRef,
    expected: head.sha,
  });
  if (!result.ok) {
    await removeHead(
      head,
      `rebasing onto ${head.base} failed (${result.why}); rebase it by hand and say /merge again`,
      deps,
    );
    return true;
  }
  const rebased: QueuedPull = { ...head, sha: result.sha, rebases: (head.rebases ?? 0) + 1 };
  delete rebased.shown;
  await deps.mergeQueue.update(rebased);
  await deps.github.comment(repo, head.number, mergeComments.rebasing(reason, result.sha));
  await show(rebased, 'pending', `1st in line: rebased onto ${head.base}, waiting for its checks`, deps);
  await recheck(repo, head.base, deps);
  deps.logger.info('rebased for the merge queue', {
    repo: head.repo,
    pullRequest: head.number,
    from: head.sha,
    to: result.sha,
  });
  return false;
}

async function merged(
  head: QueuedPull,
  repo: RepoRef,
  promotion: { environment: string; approvers: string[] } | undefined,
  deps: MergerDeps,
): Promise<void> {
  const at = nowOf(deps).toISOString();
  await deps.mergeQueue.remove(head.repo, head.number);
  if (promotion)
    await deps.mergeQueue.recordPromotion({
      repo: head.repo,
      sha: head.sha,
      environment: promotion.environment,
      pullRequest: head.number,
      approvers: promotion.approvers,
      at,
    });
  await post(head, 'success', `Merged into ${head.base} by fast-forward`, deps);
  await deps.github.comment(repo, head.number, mergeComments.merged(head.base, head.sha, promotion?.approvers ?? []));
  await deps.audit.append({
    id: safeJobId(`merged-${head.repo}-${head.number}-${head.sha}`),
    at,
    repo: head.repo,
    actor: 'slipway',
    kind: 'merge-queue',
    event: 'merged',
    pullRequest: head.number,
    base: head.base,
    sha: head.sha,
    ...(promotion ? { reason: promotedBy(promotion) } : {}),
  });
  deps.logger.info('merged by fast-forward', {
    repo: head.repo,
    base: head.base,
    pullRequest: head.number,
    sha: head.sha,
  });
}

async function removeHead(head: QueuedPull, reason: string, deps: MergerDeps): Promise<void> {
  const [owner = '', name = ''] = head.repo.split('/');
  await deps.mergeQueue.remove(head.repo, head.number);
  await post(head, 'failure', `Out of the merge queue: ${reason}`, deps);
  await deps.github.comment({ owner, name }, head.number, mergeComments.removed(reason));
  await deps.audit.append({
    at: nowOf(deps).toISOString(),
    repo: head.repo,
    actor: 'slipway',
    kind: 'merge-queue',
    event: 'removed',
    pullRequest: head.number,
    base: head.base,
    sha: head.sha,
    reason,
  });
}

/** "2nd in line", "3rd in line" … on each waiting pull request, when it changed. */
async function showPositions(rest: readonly QueuedPull[], deps: MergerDeps): Promise<void> {
  for (const [i, entry] of rest.entries()) await show(entry, 'pending', positionText(i + 1, entry.base), deps);
}

/** Posts `slipway/merge-queue` on the queued sha when it differs from what was last shown. */
async function show(entry: QueuedPull, state: 'pending', description: string, deps: MergerDeps): Promise<void> {
  const shown = `${state}: ${description}`;
  if (entry.shown === shown) return;
  await post(entry, state, description, deps);
  await deps.mergeQueue.update({ ...entry, shown });
}

async function post(
  entry: QueuedPull,
  state: 'pending' | 'success' | 'failure',
  description: string,
  deps: MergerDeps,
): Promise<void> {
  const [owner = '', name = ''] = entry.repo.split('/');
  await deps.github.createStatus({ owner, name }, entry.sha, {
    context: CONTEXT,
    state,
    description: clip(description),
  });
}

async function upToDate(entry: QueuedPull, state: 'success' | 'failure', description: string, deps: MergerDeps) {
  const [owner = '', name = ''] = entry.repo.split('/');
  await deps.github.createStatus({ owner, name }, entry.sha, {
    context: 'slipway/up-to-date',
    state,
    description: clip(description),
  });
}

/** Looks at the base's head again later, once per time slot (a job id is used once). */
async function recheck(repo: RepoRef, base: string, deps: MergerDeps): Promise<void> {
  const every = deps.recheckMs ?? 30_000;
  const slot = Math.floor(nowOf(deps).getTime() / every);
  await deps.queues.add(
    'merges',
    { kind: 'advance', owner: repo.owner, repo: repo.name, base },
    { jobId: safeJobId(`merge-recheck-${repo.owner}-${repo.name}-${base}-${slot}`), delayMs: every },
  );
}

function promotedBy(promotion: { environment: string; approvers: string[] }): string {
  const who = promotion.approvers.length > 0 ? promotion.approvers.join(', ') : 'nobody (none needed)';
  return `promoted to ${promotion.environment}, approved by ${who}`;
}

function clip(text: string): string {
  return text.length <= 140 ? text : `${text.slice(0, 139)}…`;
}

function nowOf(deps: MergerDeps): Date {
  return (deps.now ?? (() => new Date()))();
}
