import type { BuildRecord, StepRecord } from '../core/builds/record.js';

/** Escapes text for HTML. */
function h(text: unknown): string {
  return String(text ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const STYLE = [
  'body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1f2328}table{border-collapse:collapse}',
  'td,th{padding:.3em .8em;border-bottom:1px solid #d0d7de;text-align:left}\n',
  '.success{color:#1a7f37}.failure,.error{color:#cf222e}.running,.waiting,.queued{color:#9a6700}',
  '.skipped,.cancelled{color:#6e7781}code{font-size:12px}',
].join('');

function page(title: string, body: string): string {
  return [
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${h(title)}</title>`,
    `<style>${STYLE}</style></head><body>${body}</body></html>`,
  ].join('');
}

const state = (s: string) => `<span class="${h(s)}">${h(s)}</span>`;

/** `GET /`: the newest builds, each with its repository, commit, trigger and state. */
export function dashboardPage(builds: readonly BuildRecord[]): string {
  const rows = builds
    .map((b) =>
      [
        `<tr><td><a href="/builds/${h(b.id)}">${h(b.id)}</a></td>`,
        `<td>${h(b.request.repo.owner)}/${h(b.request.repo.name)}</td>`,
        `<td><code>${h(b.request.ref)}</code></td>`,
        `<td><code>${h(b.request.sha.slice(0, 7))}</code></td>`,
        `<td>${h(b.request.event)} by ${h(b.request.sender)}</td>`,
        `<td>${state(b.state)}</td><td>${h(b.createdAt)}</td></tr>`,
      ].join(''),
    )
    .join('');
  return page(
    'Slipway',
    [
      '<h1>Slipway</h1><table>',
      '<tr><th>build</th><th>repository</th><th>ref</th><th>commit</th>',
      '<th>trigger</th><th>state</th><th>created</th></tr>',
      `${rows}</table>`,
    ].join(''),
  );
}

/**
 * A build for people: stages, steps with their logs (live while running), spec problems, and
 * an approval form when a deploy waits.
 */
export function buildPage(b: BuildRecord): string {
  const step = (s: StepRecord) =>
    [
      `<tr><td>${h(s.name)}</td><td>${state(s.state)}</td>`,
      `<td>${s.exitCode !== undefined ? `exit ${h(s.exitCode)}` : ''} ${h(s.reason ?? '')}</td>`,
      `<td><a href="/builds/${h(b.id)}/steps/${h(s.key)}/log">log</a> · `,
      `<a href="/builds/${h(b.id)}/steps/${h(s.key)}/log/stream">live</a></td></tr>`,
    ].join('');
  const stages = b.stages
    .map(
      (st) =>
        `<h3>${h(st.name)} ${state(st.state)} <small>${h(st.description ?? '')}</small></h3>` +
        `<table>${st.steps.map(step).join('')}</table>`,
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
    ? `<h2>Approval for ${h(b.approval.environment)}: ${state(b.approval.state)}</h2><ul>${b.approval.decisions
        .map(
          (d) =>
            `<li>${h(d.at)}: ${h(d.user)} ${h(d.decision)}d via ${h(d.via)}` +
            `${d.counted ? '' : ` — not counted: ${h(d.why)}`}</li>`,
        )
        .join('')}</ul>`
    : '';
  const waiting =
    b.state === 'waiting'
      ? [
          '<h2>Decide</h2><p>As GitHub user <input id="user" placeholder="login"> ',
          'with API token <input id="token" type="password">\n',
          `<button onclick="decide('approve')">Approve</button> `,
          `<button onclick="decide('reject')">Reject</button> <span id="out"></span></p>\n`,
          `<script>async function decide(d){const r=await fetch('/builds/${h(b.id)}/'+d,{method:'POST',`,
          "headers:{authorization:'Bearer '+document.getElementById('token').value},",
          "body:JSON.stringify({user:document.getElementById('user').value})});",
          "document.getElementById('out').textContent=r.status+' '+await r.text();}</script>",
        ].join('')
      : '';
  return page(
    `Slipway build ${b.id}`,
    [
      `<p><a href="/">all builds</a></p><h1>Build ${h(b.id)} ${state(b.state)}</h1>\n`,
      `<p>${h(b.request.repo.owner)}/${h(b.request.repo.name)} <code>${h(b.request.ref)}</code> `,
      `at <code>${h(b.request.sha)}</code>, ${h(b.request.event)} by ${h(b.request.sender)}</p>\n`,
      b.specError ? `<p class="failure">${h(b.specError)}</p>` : '',
      issues ? `<h2 class="failure">Problems in .buildspec.yml</h2><ul>${issues}</ul>` : '',
      '\n',
      b.checkout ? `<table>${step(b.checkout)}</table>` : '',
      `${stages}${approval}${waiting}`,
    ].join(''),
  );
}
