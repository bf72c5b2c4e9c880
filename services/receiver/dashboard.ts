import { hasScope } from '../core/auth/principal.js';
import type { BuildRecord, StepRecord } from '../core/builds/record.js';
import { csrfField, h, NOBODY, page, type Viewer } from './pages/html.js';

const state = (s: unknown) => `<span class="${h(s)}">${h(s)}</span>`;

/** One row of the list; a record that cannot be shown is one line saying so, never a failed page. */
function row(b: BuildRecord): string {
  try {
    const r = b.request;
    return [
      `<tr><td><a href="/builds/${h(b.id)}">${h(b.id)}</a></td>`,
      `<td>${h(r.repo.owner)}/${h(r.repo.name)}</td>`,
      `<td><code>${h(r.ref)}</code></td>`,
      `<td><code>${h(String(r.sha ?? '').slice(0, 7))}</code></td>`,
      `<td>${h(r.event)} by ${h(r.sender)}</td>`,
      `<td>${state(b.state)}</td><td>${h(b.createdAt)}</td></tr>`,
    ].join('');
  } catch {
    return `<tr><td>${h(b?.id)}</td><td colspan="6">this build's record cannot be shown</td></tr>`;
  }
}

/** `GET /`: the newest builds the viewer may see, each with its repository, commit, trigger and state. */
export function dashboardPage(builds: readonly BuildRecord[], viewer: Viewer = NOBODY): string {
  const hint =
    viewer.principal.kind === 'anonymous' && viewer.signIn
      ? '<p>Sign in to see the builds of your repositories.</p>'
      : '';
  return page(
    'Slipway',
    [
      `<h1>Slipway</h1>${hint}<table>`,
      '<tr><th>build</th><th>repository</th><th>ref</th><th>commit</th>',
      '<th>trigger</th><th>state</th><th>created</th></tr>',
      `${builds.map(row).join('')}</table>`,
    ].join(''),
    viewer,
  );
}

/**
 * A build for people: stages, steps with their logs (live while running), spec problems, and
 * approve/reject forms when a deploy waits and the viewer is a signed-in person. A record
 * that cannot be shown gives a page saying so, never a server error.
 */
export function buildPage(b: BuildRecord, viewer: Viewer = NOBODY): string {
  try {
    return page(`Slipway build ${b.id}`, buildBody(b, viewer), viewer);
  } catch {
    return page(
      `Slipway build ${b?.id}`,
      `<h1>Build ${h(b?.id)}</h1><p>This build's record cannot be shown.</p>`,
      viewer,
    );
  }
}

function buildBody(b: BuildRecord, viewer: Viewer): string {
  const step = (s: StepRecord) =>
    [
      `<tr><td>${h(s.name)}</td><td>${state(s.state)}</td>`,
      `<td>${s.exitCode !== undefined ? `exit ${h(s.exitCode)}` : ''} ${h(s.reason ?? '')}</td>`,
      `<td><a href="/builds/${h(b.id)}/steps/${h(s.key)}/log">log</a> · `,
      `<a href="/builds/${h(b.id)}/steps/${h(s.key)}/log/stream">live</a></td></tr>`,
    ].join('');
  const stages = (b.stages ?? [])
    .map(
      (st) =>
        `<h3>${h(st.name)} ${state(st.state)} <small>${h(st.description ?? '')}</small></h3>` +
        `<table>${(st.steps ?? []).map(step).join('')}</table>`,
    )
    .join('');
  const issues = (b.specIssues ?? [])
    .map(
      (i) =>
        `<li><code>.buildspec.yml:${h(i.line ?? '?')}:${h(i.column ?? '?')}</code> ` +
        `${h(i.path)}: ${h(i.message)} ${h(i.hint ?? '')}</li>`,
    )
    .join('');
  const approval = b.approval
    ? `<h2>Approval for ${h(b.approval.environment)}: ${state(b.approval.state)}</h2><ul>${(b.approval.decisions ?? [])
        .map(
          (d) =>
            `<li>${h(d.at)}: ${h(d.user)} ${h(d.decision)}d via ${h(d.via)}` +
            `${d.counted ? '' : ` — not counted: ${h(d.why)}`}</li>`,
        )
        .join('')}</ul>`
    : '';
  const r = b.request;
  return [
    `<p><a href="/">all builds</a></p><h1>Build ${h(b.id)} ${state(b.state)}</h1>\n`,
    `<p>${h(r.repo.owner)}/${h(r.repo.name)} <code>${h(r.ref)}</code> `,
    `at <code>${h(r.sha)}</code>, ${h(r.event)} by ${h(r.sender)}</p>\n`,
    b.specError ? `<p class="failure">${h(b.specError)}</p>` : '',
    issues ? `<h2 class="failure">Problems in .buildspec.yml</h2><ul>${issues}</ul>` : '',
    '\n',
    b.checkout ? `<table>${step(b.checkout)}</table>` : '',
    `${stages}${approval}${decide(b, viewer)}`,
  ].join('');
}

/** Approve and reject as plain forms (no script): for a signed-in person, when a deploy waits. */
function decide(b: BuildRecord, viewer: Viewer): string {
  if (b.state !== 'waiting') return '';
  const { principal } = viewer;
  if (principal.kind !== 'user' || principal.via !== 'session' || !hasScope(principal, 'approve')) {
    return '<h2>Decide</h2><p>Sign in to approve or reject, or comment /approve on the pull request.</p>';
  }
  const form = (d: 'approve' | 'reject', label: string) =>
    `<form method="post" action="/builds/${h(b.id)}/${d}">${csrfField(viewer)}` +
    `<button type="submit">${label}</button></form>`;
  return [
    `<h2>Decide</h2><p>As <strong>${h(principal.login)}</strong>:</p>`,
    form('approve', 'Approve'),
    form('reject', 'Reject'),
  ].join('');
}
