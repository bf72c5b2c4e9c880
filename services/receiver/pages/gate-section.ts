import { describeTesters, type GateRequest } from '../../core/gate/manual-gate.js';
import { formatDuration } from './format-time.js';
import { csrfField, h, timeTag, type Viewer } from './html.js';
import { stateBadge } from './state-badge.js';

/**
 * A stage held for a manual test: the application's URL (a link), the instructions, who may
 * pass or fail it, until when, every decision with who, when, how, what they said and whether
 * it counted, and for a signed-in person, Pass and Fail (with a reason) as plain forms.
 */
export function gateSection(buildId: string, gate: GateRequest | undefined, viewer: Viewer, now: Date): string {
  if (!gate) return '';
  const left = Date.parse(gate.expiresAt) - now.getTime();
  const pending = gate.state === 'pending';
  const decisions = gate.decisions
    .map(
      (d) =>
        `<li>${timeTag(d.at)} <strong>${h(d.user)}</strong> ${d.decision === 'pass' ? 'passed' : 'failed'} it` +
        ` via ${h(d.via)}${d.reason ? `: ${h(d.reason)}` : ''}` +
        `${d.counted ? '' : ` — not counted: ${h(d.why ?? '')}`}</li>`,
    )
    .join('');
  const badge = pending
    ? 'waiting'
    : gate.state === 'passed'
      ? 'success'
      : gate.state === 'cancelled'
        ? 'cancelled'
        : 'failure';
  return [
    '<section class="approval gate" aria-labelledby="gate-title"><h2 id="gate-title">',
    `Manual test of ${h(gate.stage)} ${stateBadge(badge)}</h2>`,
    pending
      ? '<p class="waiting-reason">Waiting for a manual test at ' +
        `<a class="gate-url" href="${h(gate.url)}">${h(gate.url)}</a>` +
        `${Number.isFinite(left) && left > 0 ? `, times out in ${h(formatDuration(left))}` : ''}.</p>`
      : `<p>The application was at ${h(gate.url)}; it is gone (${h(gate.state)}).</p>`,
    gate.instructions ? `<h3>Instructions</h3><p class="instructions">${h(gate.instructions)}</p>` : '',
    '<dl class="rules">',
    `<dt>Who may pass or fail it</dt><dd>${h(describeTesters(gate.people))}</dd>`,
    `<dt>Times out</dt><dd>${timeTag(gate.expiresAt)}, then it fails and everything is torn down</dd>`,
    '</dl>',
    decisions ? `<h3>Decisions</h3><ol class="decisions">${decisions}</ol>` : '<p>No decisions yet.</p>',
    pending ? decide(buildId, viewer) : '',
    '</section>',
  ].join('');
}

/** Pass and Fail as plain forms (no script), each with an optional reason. */
function decide(buildId: string, viewer: Viewer): string {
  const { principal } = viewer;
  if (principal.kind !== 'user' || principal.via !== 'session' || !principal.scopes.includes('approve'))
    return '<p>Sign in to pass or fail it, or comment /pass or /fail (with a reason) on the pull request.</p>';
  const form = (d: 'pass' | 'fail', label: string) =>
    `<form method="post" action="/builds/${h(buildId)}/gate">${csrfField(viewer)}` +
    `<input type="hidden" name="decision" value="${d}">` +
    `<label>Reason <input type="text" name="reason" maxlength="200"></label> ` +
    `<button type="submit" class="${d === 'pass' ? 'approve' : 'reject'}">${label}</button></form>`;
  return [
    `<div class="decide"><p>As <strong>${h(principal.login)}</strong>:</p>`,
    form('pass', 'Pass'),
    form('fail', 'Fail'),
    '</div>',
  ].join('');
}
