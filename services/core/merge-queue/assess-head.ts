import type { HeadFacts, MergeVerdict, QueuedPull } from './types.js';

const short = (sha: string): string => sha.slice(0, 7);

/**
 * What to do with the head of a merge queue, from what GitHub says of it now. In order: a
 * pull request merged, closed, pushed to since it was queued, or with a failed required
 * check leaves the queue; one behind its base is rebased (when allowed) or leaves it; one
 * with a check still running (or none reported yet), or a promotion short of staging or approvals, waits;
 * otherwise the queued sha is merged, never the head as it might be a moment later. Pure.
 */
export function assessHead(entry: QueuedPull, facts: HeadFacts): MergeVerdict {
  if (facts.merged) return { kind: 'remove', reason: 'it was merged by someone else' };
  if (facts.state === 'closed') return { kind: 'remove', reason: 'the pull request was closed' };
  if (facts.headSha !== entry.sha)
    return {
      kind: 'remove',
      reason:
        `a new push (${short(facts.headSha)}) came after ${short(entry.sha)} was queued: ` +
        `only the tested commit is merged; say /merge again for the new one`,
    };
  const failed = facts.required.find((c) => facts.checks[c] === 'failure' || facts.checks[c] === 'error');
  if (failed) return { kind: 'remove', reason: `the required check ${failed} failed on ${short(entry.sha)}` };
  if (facts.behindBy > 0) {
    const lacks = `${entry.base} has ${facts.behindBy} commit${facts.behindBy === 1 ? '' : 's'} this branch lacks`;
    if (facts.rebase && !entry.fork)
      return { kind: 'rebase', reason: `${lacks}: Slipway rebases it onto ${entry.base}` };
    return {
      kind: 'remove',
      reason:
        `${lacks}, so it cannot be merged as a fast-forward: rebase it onto ${entry.base}, ` +
        `push, and say /merge again` +
        (entry.fork ? ' (Slipway never rebases a fork)' : ''),
    };
  }
  if (facts.required.length === 0)
    return {
      kind: 'wait',
      reason: `waiting for checks to report on ${short(entry.sha)}: an untested commit is never merged`,
    };
  const waiting = facts.required.filter((c) => facts.checks[c] !== 'success');
  if (waiting.length > 0) return { kind: 'wait', reason: `waiting for ${waiting.join(', ')}` };
  if (facts.promotion) {
    const { stagingVerified, approvals } = facts.promotion;
    if (stagingVerified !== 'success')
      return {
        kind: 'wait',
        reason: `waiting for slipway/staging-verified: ${short(entry.sha)} is not proven on staging yet`,
      };
    if (!approvals.met) return { kind: 'wait', reason: `waiting for approval by ${approvals.waitingFor}` };
  }
  return { kind: 'merge', sha: entry.sha };
}
