import { describeApprovers, type ApprovalRequest } from '../../core/approval/approval.js';
import { formatDuration } from './format-time.js';
import { csrfField, h, timeTag, type Viewer } from './html.js';
import { stateBadge } from './state-badge.js';

/**
 * A deploy's approval: its rules (who may approve, how many, when it expires), where it
 * stands ("waiting for approval: 1 of 2 given"), every decision with who, when, how and
 * whether it counted, and for a person who may decide, Approve and Reject as plain forms.
 */
export function approvalSection(
  buildId: string,
  approval: ApprovalRequest | undefined,
  waiting: boolean,
  viewer: Viewer,
  now: Date,
): string {
  if (!approval) return '';
  const rules = approval.rules;
  const given = new Set(approval.decisions.filter((d) => d.counted && d.decision === 'approve').map((d) => d.user))
    .size;
  const left = Date.parse(approval.expiresAt) - now.getTime();
  const standing =
    approval.state === 'pending'
      ? `<p class="waiting-reason">Waiting for approval: ${given} of ${h(rules.count)} given` +
        `${Number.isFinite(left) && left > 0 ? `, expires in ${h(formatDuration(left))}` : ''}.</p>`
      : '';
  const decisions = approval.decisions
    .map(
      (d) =>
        `<li>${timeTag(d.at)} ` +
        `<strong>${h(d.user)}</strong> ${d.decision === 'approve' ? 'approved' : 'rejected'} via ${h(d.via)}` +
        `${d.counted ? '' : ` — not counted: ${h(d.why ?? '')}`}</li>`,
    )
    .join('');
  return [
    `<section class="approval" aria-labelledby="approval-title"><h2 id="approval-title">`,
    `Approval for ${h(approval.environment)} `,
    `${stateBadge(approval.state === 'pending' ? 'waiting' : approval.state)}</h2>`,
    standing,
    '<dl class="rules">',
    `<dt>Who may approve</dt><dd>${h(describeApprovers(rules))} (with maintain or admin permission)</dd>`,
    `<dt>Approvals needed</dt><dd>${h(rules.count)}`,
    rules.allowSelfApproval ? '' : `, not from ${h(approval.pusher)} who pushed`,
    `</dd><dt>Expires</dt><dd>${timeTag(approval.expiresAt)}</dd>`,
    '</dl>',
    decisions ? `<h3>Decisions</h3><ol class="decisions">${decisions}</ol>` : '<p>No decisions yet.</p>',
    waiting && approval.state === 'pending' ? decide(buildId, viewer) : '',
    '</section>',
  ].join('');
}

/** Approve and reject as plain forms (no script): for a signed-in person, when a deploy waits. */
function decide(buildId: string, viewer: Viewer): string {
  const { principal } = viewer;
  if (principal.kind !== 'user' || principal.via !== 'session' || !principal.scopes.includes('approve')) {
    return '<p>Sign in to approve or reject, or comment /approve on the pull request.</p>';
  }
  const form = (d: 'approve' | 'reject', label: string) =>
    `<form method="post" action="/builds/${h(buildId)}/${d}">${csrfField(viewer)}` +
    `<button type="submit" class="${d}">${label}</button></form>`;
  return [
    `<div class="decide"><p>As <strong>${h(principal.login)}</strong>:</p>`,
    form('approve', 'Approve'),
    form('reject', 'Reject'),
    '</div>',
  ].join('');
}
