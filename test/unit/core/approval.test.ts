import { describe, expect, it } from '@jest/globals';
import {
  approvalState,
  describeApprovers,
  mayDecide,
  type ApprovalRequest,
} from '../../../services/core/approval/approval.js';
import { mapEvent } from '../../../services/core/trigger/map-event.js';
import { examplePayload } from '../../support/webhook-payloads.js';

const request = (over: Partial<ApprovalRequest['rules']> = {}): ApprovalRequest => ({
  buildId: 'b1',
  environment: 'production',
  rules: {
    required: true,
    users: ['octocat'],
    teams: ['acme/release-managers'],
    count: 1,
    expiresMs: 3_600_000,
    allowSelfApproval: false,
    ...over,
  },
  pusher: 'pusher',
  requestedAt: '2026-11-23T10:00:00.000Z',
  expiresAt: '2026-11-23T11:00:00.000Z',
  decisions: [],
  state: 'pending',
});
const at = new Date('2026-11-23T10:30:00.000Z');

describe('who may approve a deploy', () => {
  it('counts a named user with maintain permission', () => {
    expect(mayDecide(request(), 'octocat', { role: 'maintain', teams: [] })).toEqual({ ok: true });
  });
  it('counts a member of a named team with admin permission', () => {
    expect(mayDecide(request(), 'hubot', { role: 'admin', teams: ['acme/release-managers'] })).toEqual({ ok: true });
  });
  it('refuses someone the rules do not name, whatever their permission', () => {
    expect(mayDecide(request(), 'mallory', { role: 'admin', teams: [] })).toEqual({
      ok: false,
      why: 'mallory is not among the approvers (octocat, team acme/release-managers)',
    });
  });
  it('refuses a named user with less than maintain permission', () => {
    expect(mayDecide(request(), 'octocat', { role: 'write', teams: [] })).toEqual({
      ok: false,
      why: 'octocat has write permission on the repository; approving needs maintain or admin',
    });
  });
  it('refuses the person who pushed, unless self-approval is allowed', () => {
    const r = request({ users: ['pusher'] });
    expect(mayDecide(r, 'pusher', { role: 'admin', teams: [] })).toMatchObject({
      ok: false,
      why: 'pusher pushed this commit and cannot approve its deploy',
    });
    expect(
      mayDecide(request({ users: ['pusher'], allowSelfApproval: true }), 'pusher', { role: 'admin', teams: [] }),
    ).toEqual({ ok: true });
  });
  it('lets anyone with maintain permission decide when the rules name nobody', () => {
    expect(mayDecide(request({ users: [], teams: [] }), 'anyone', { role: 'maintain', teams: [] })).toEqual({
      ok: true,
    });
    expect(describeApprovers(request({ users: [], teams: [], count: 2 }).rules)).toBe(
      '2 of anyone with maintain permission',
    );
  });
});

describe('where an approval stands', () => {
  const decide = (r: ApprovalRequest, user: string, decision: 'approve' | 'reject', counted = true) => {
    r.decisions.push({ user, decision, at: at.toISOString(), via: 'api', counted });
    return r;
  };
  it('is pending until enough distinct people approve; decisions that did not count change nothing', () => {
    const r = request({ count: 2, users: ['a', 'b'] });
    decide(r, 'a', 'approve');
    decide(r, 'a', 'approve');
    decide(r, 'mallory', 'approve', false);
    expect(approvalState(r, at)).toBe('pending');
    decide(r, 'b', 'approve');
    expect(approvalState(r, at)).toBe('approved');
  });
  it('is rejected by one counted rejection', () => {
    expect(approvalState(decide(request(), 'octocat', 'reject'), at)).toBe('rejected');
  });
  it('expires at its deadline when still pending', () => {
    expect(approvalState(request(), new Date('2026-11-23T11:00:00.000Z'))).toBe('expired');
  });
});

describe('/approve and /reject comments', () => {
  const comment = (body: string, onPullRequest = true) => {
    const payload = examplePayload('issue_comment', (p) => p.action === 'created');
    payload.comment.body = body;
    payload.comment.user.login = 'octocat';
    if (onPullRequest)
      payload.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1' };
    return mapEvent('issue_comment', 'd', payload);
  };
  it('turns /approve and /reject on a pull request into a decision by the commenter', () => {
    expect(comment('/approve')).toMatchObject({
      action: 'approval',
      decision: 'approve',
      user: 'octocat',
      repo: { owner: 'Codertocat', name: 'Hello-World' },
    });
    expect(comment('  /reject  \nnot today')).toMatchObject({ action: 'approval', decision: 'reject' });
  });
  it('ignores other comments, and commands on issues', () => {
    expect(comment('I /approve of this')).toMatchObject({ action: 'ignore' });
    expect(comment('/approve', false)).toMatchObject({ action: 'ignore' });
  });
});

describe('formatDuration', () => {
  it('writes durations the way specs do', async () => {
    const { formatDuration, parseDuration } = await import('../../../services/core/buildspec/parse-duration.js');
    expect([3_000, 90_000, 5_400_000, 86_400_000, 0].map(formatDuration)).toEqual([
      '3s',
      '1m30s',
      '1h30m',
      '24h',
      '0s',
    ]);
    expect(parseDuration(formatDuration(5_430_000))).toBe(5_430_000);
  });
});
