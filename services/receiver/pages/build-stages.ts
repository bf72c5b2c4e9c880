import type { BuildRecord, StageRecord, StepRecord } from '../../core/builds/record.js';
import { formatDuration, runTime } from './format-time.js';
import { h } from './html.js';
import { stateBadge } from './state-badge.js';

const SIDECAR_CLASS: Readonly<Record<string, string>> = {
  ready: 'st-success',
  starting: 'st-running',
  failed: 'st-failure',
};

const STAGE_TITLES: Readonly<Record<string, string>> = { test: 'Test', e2e: 'End to end', deploy: 'Deploy' };

/**
 * The checkout and the stages as sections, each with its steps: state, "allowed to fail",
 * duration, node, attempts, exit code or reason, and a link that opens its log. A waiting
 * stage says what it waits for.
 */
export function buildStages(b: BuildRecord, now: Date, openStep?: string): string {
  const stages = Array.isArray(b.stages) ? b.stages : [];
  // Parked for an approval, a build keeps no workspace: its checkout ran, and runs again when it goes on.
  const again =
    b.checkout?.state === 'queued' && b.checkout.attempt !== undefined
      ? '<p class="stage-note">Checked out before the build waited; the workspace is not kept while it waits, ' +
        'so the commit is checked out again when the build goes on.</p>'
      : '';
  const checkout = b.checkout
    ? `<section class="stage" aria-labelledby="stage-checkout"><h3 id="stage-checkout">Checkout ` +
      `${stateBadge(b.checkout.state)}</h3>${again}${stepTable(b, [b.checkout], now, openStep)}</section>`
    : '';
  return `<div class="stages">${checkout}${stages.map((s, i) => stage(b, s, i, now, openStep)).join('')}</div>`;
}

function stage(b: BuildRecord, s: StageRecord, i: number, now: Date, openStep?: string): string {
  const id = `stage-${i}`;
  const title = STAGE_TITLES[s.name] ?? s.name;
  const waiting =
    s.state === 'waiting' && s.description
      ? `<p class="waiting-reason">${h(s.description.replace(/^Waiting: /, 'Waiting ').trim())}</p>`
      : s.description
        ? `<p class="stage-note">${h(s.description)}</p>`
        : '';
  const sidecars = (s.sidecars ?? [])
    .map((c) => `<li>${h(c.name)}: <span class="st ${SIDECAR_CLASS[c.state] ?? ''}">${h(c.state)}</span></li>`)
    .join('');
  return [
    `<section class="stage" aria-labelledby="${id}"><h3 id="${id}">${h(title)} ${stateBadge(s.state)}</h3>${waiting}`,
    sidecars ? `<p>Sidecars:</p><ul class="sidecars">${sidecars}</ul>` : '',
    stepTable(b, Array.isArray(s.steps) ? s.steps : [], now, openStep),
    '</section>',
  ].join('');
}

function stepTable(b: BuildRecord, steps: readonly StepRecord[], now: Date, openStep?: string): string {
  if (steps.length === 0) return '<p>No steps.</p>';
  const rows = steps.map((s) => {
    const took = runTime(s, now);
    const outcome = [s.exitCode !== undefined ? `exit ${h(s.exitCode)}` : '', s.reason ? h(s.reason) : '']
      .filter(Boolean)
      .join(' · ');
    const open = s.key === openStep;
    return [
      `<tr id="step-${h(s.key)}"${open ? ' class="open-step"' : ''}>`,
      `<th scope="row" data-label="Step">${h(s.name)}`,
      s.allowFailure ? ' <span class="allowed">allowed to fail</span>' : '',
      '</th>',
      `<td data-label="State">${stateBadge(s.state)}</td>`,
      `<td data-label="Duration">${took !== undefined ? h(formatDuration(took)) : ''}</td>`,
      `<td data-label="Node">${s.node ? `<code title="${h(s.node)}">${h(s.node.slice(0, 12))}</code>` : ''}</td>`,
      `<td data-label="Attempts">${s.attempt !== undefined ? h(s.attempt) : ''}</td>`,
      `<td data-label="Exit">${outcome}</td>`,
      `<td data-label="Log"><a href="/builds/${h(b.id)}?step=${h(encodeURIComponent(s.key))}#log"`,
      `${open ? ' aria-current="true"' : ''}>`,
      `log<span class="visually-hidden"> of ${h(s.name)}</span></a></td></tr>`,
    ].join('');
  });
  return [
    '<table class="steps"><thead><tr><th scope="col">Step</th><th scope="col">State</th>',
    '<th scope="col">Duration</th><th scope="col">Node</th><th scope="col">Attempts</th>',
    `<th scope="col">Exit</th><th scope="col">Log</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
  ].join('');
}

/** Every step of a build, the checkout first. Tolerates a record of the wrong shape. */
export function allSteps(b: BuildRecord): StepRecord[] {
  const stages = Array.isArray(b.stages) ? b.stages : [];
  return [...(b.checkout ? [b.checkout] : []), ...stages.flatMap((s) => (Array.isArray(s?.steps) ? s.steps : []))];
}

/**
 * The step whose log the page opens: the one asked for, else the first that failed and was
 * not allowed to, else any failed one, else one running; none otherwise.
 */
export function stepToOpen(b: BuildRecord, asked?: string): StepRecord | undefined {
  const steps = allSteps(b).filter((s) => s && typeof s.key === 'string');
  if (asked) {
    const found = steps.find((s) => s.key === asked);
    if (found) return found;
  }
  const failed = steps.filter((s) => s.state === 'failure' || s.state === 'error');
  return failed.find((s) => !s.allowFailure) ?? failed[0] ?? steps.find((s) => s.state === 'running');
}
