import { describe, expect, it } from '@jest/globals';
import { assessHead } from '../../../services/core/merge-queue/assess-head.js';
import { mergeCommandOf } from '../../../services/core/merge-queue/merge-command.js';
import { mayQueue } from '../../../services/core/merge-queue/may-queue.js';
import { ordinal, positionText } from '../../../services/core/merge-queue/position.js';
import { approvingReviewers, promotionApprovals } from '../../../services/core/merge-queue/review-approvals.js';
import type { HeadFacts, QueuedPull } from '../../../services/core/merge-queue/types.js';

const SHA = 'a'.repeat(40);
const entry: QueuedPull = {
  repo: 'acme/app',
  base: 'master',
  number: 7,
  sha: SHA,
  headRef: 'feature',
  fork: false,
  by: 'octocat',
  queuedAt: '2026-12-02T07:00:00.000Z',
};
const green: HeadFacts = {
  state: 'open',
  merged: false,
  headSha: SHA,
  behindBy: 0,
  required: ['slipway/test', 'slipway/e2e'],
  checks: { 'slipway/test': 'success', 'slipway/e2e': 'success' },
  rebase: false,
};

describe('/merge comments', () => {
  it('reads /merge and /merge cancel on the first line only', () => {
    expect(mergeCommandOf('/merge')).toBe('merge');
    expect(mergeCommandOf('  /merge  \nplease')).toBe('merge');
    expect(mergeCommandOf('/merge   cancel')).toBe('cancel');
    expect(mergeCommandOf('please /merge')).toBeUndefined();
    expect(mergeCommandOf('/merged')).toBeUndefined();
    expect(mergeCommandOf('/merge now')).toBeUndefined();
  });
});

describe('who may queue', () => {
  it('needs write permission', () => {
    for (const role of ['admin', 'maintain', 'write']) expect(mayQueue('octocat', role)).toEqual({ ok: true });
    expect(mayQueue('mallory', 'read')).toEqual({
      ok: false,
      why: '@mallory has read permission on this repository; /merge needs write permission',
    });
    expect(mayQueue('nobody', 'none').ok).toBe(false);
  });
});

describe('positions', () => {
  it('writes ordinals as people do', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal)).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '101st',
      '111th',
    ]);
  });
  it('says where a pull request stands', () => {
    expect(positionText(1, 'master')).toBe('2nd in line to merge into master');
    expect(positionText(0, 'master')).toBe('1st in line: merges into master once up to date and green');
  });
});

describe('the queue head', () => {
  it('merges the queued sha when up to date and every required check is green', () => {
    expect(assessHead(entry, green)).toEqual({ kind: 'merge', sha: SHA });
  });
  it('waits while a required check runs or has not reported', () => {
    expect(assessHead(entry, { ...green, checks: { 'slipway/test': 'pending' } })).toEqual({
      kind: 'wait',
      reason: 'waiting for slipway/test, slipway/e2e',
    });
  });
  it('never merges a commit no check has reported on', () => {
    expect(assessHead(entry, { ...green, required: [], checks: {} })).toEqual({
      kind: 'wait',
      reason: 'waiting for checks to report on aaaaaaa: an untested commit is never merged',
    });
  });
  it('ignores checks that are not required', () => {
    expect(assessHead(entry, { ...green, checks: { ...green.checks, 'other/lint': 'failure' } }).kind).toBe('merge');
  });
  it('takes out a pull request whose head moved after it was queued: only the tested sha merges', () => {
    const verdict = assessHead(entry, { ...green, headSha: 'b'.repeat(40) });
    expect(verdict).toEqual({
      kind: 'remove',
      reason:
        'a new push (bbbbbbb) came after aaaaaaa was queued: ' +
        'only the tested commit is merged; say /merge again for the new one',
    });
  });
  it('takes out a failed, closed or already merged one, saying why', () => {
    expect(assessHead(entry, { ...green, checks: { 'slipway/test': 'failure' } })).toEqual({
      kind: 'remove',
      reason: 'the required check slipway/test failed on aaaaaaa',
    });
    expect(assessHead(entry, { ...green, state: 'closed' })).toEqual({
      kind: 'remove',
      reason: 'the pull request was closed',
    });
    expect(assessHead(entry, { ...green, merged: true }).kind).toBe('remove');
  });
  it('a stale one leaves the queue saying to rebase, or is rebased when opted in, never a fork', () => {
    expect(assessHead(entry, { ...green, behindBy: 2 })).toEqual({
      kind: 'remove',
      reason:
        'master has 2 commits this branch lacks, so it cannot be merged as a fast-forward: ' +
        'rebase it onto master, push, and say /merge again',
    });
    expect(assessHead(entry, { ...green, behindBy: 1, rebase: true })).toEqual({
      kind: 'rebase',
      reason: 'master has 1 commit this branch lacks: Slipway rebases it onto master',
    });
    const fork = assessHead({ ...entry, fork: true }, { ...green, behindBy: 1, rebase: true });
    expect(fork.kind).toBe('remove');
    expect(fork.kind === 'remove' && fork.reason).toContain('Slipway never rebases a fork');
  });
  it('a promotion also waits for staging-verified and its approvals', () => {
    const approvals = { met: false, approvers: [], waitingFor: 'alice' };
    expect(
      assessHead(entry, {
        ...green,
        promotion: { stagingVerified: 'pending', approvals: { ...approvals, met: true } },
      }),
    ).toEqual({
      kind: 'wait',
      reason: 'waiting for slipway/staging-verified: aaaaaaa is not proven on staging yet',
    });
    expect(assessHead(entry, { ...green, promotion: { stagingVerified: 'success', approvals } })).toEqual({
      kind: 'wait',
      reason: 'waiting for approval by alice',
    });
    expect(
      assessHead(entry, {
        ...green,
        promotion: { stagingVerified: 'success', approvals: { ...approvals, met: true } },
      }).kind,
    ).toBe('merge');
  });
});

describe('approving reviews', () => {
  const now = new Date('2026-12-02T08:00:00Z');
  const review = (user: string, state: string, commitId = SHA, submittedAt = '2026-12-02T07:30:00Z') => ({
    user,
    state,
    commitId,
    submittedAt,
  });
  it('counts each person once, by their last deciding review, on the current head, within the expiry', () => {
    expect(
      approvingReviewers(
        [
          review('alice', 'APPROVED'),
          review('alice', 'COMMENTED'),
          review('bob', 'APPROVED', 'c'.repeat(40)),
          review('carol', 'APPROVED'),
          review('carol', 'CHANGES_REQUESTED'),
          review('dave', 'APPROVED', SHA, '2026-12-01T07:00:00Z'),
        ],
        SHA,
        now,
        3_600_000,
      ),
    ).toEqual(['alice']);
  });
  const rules = {
    required: true,
    users: ['alice'],
    teams: [],
    count: 1,
    expiresMs: 3_600_000,
    allowSelfApproval: false,
  };
  it('applies the approval rules: who, how many, no self-approval', () => {
    expect(
      promotionApprovals(rules, 'octocat', [{ user: 'alice', facts: { role: 'maintain', teams: [] } }]),
    ).toMatchObject({
      met: true,
      approvers: ['alice'],
    });
    const stranger = promotionApprovals(rules, 'octocat', [{ user: 'mallory', facts: { role: 'admin', teams: [] } }]);
    expect(stranger.met).toBe(false);
    expect(stranger.why).toEqual(['mallory is not among the approvers (alice)']);
    expect(promotionApprovals(rules, 'alice', [{ user: 'alice', facts: { role: 'admin', teams: [] } }]).met).toBe(
      false,
    );
    expect(
      promotionApprovals({ ...rules, count: 2, users: [] }, 'x', [
        { user: 'alice', facts: { role: 'admin', teams: [] } },
      ]).met,
    ).toBe(false);
    expect(promotionApprovals(undefined, 'x', []).met).toBe(true);
  });
});
