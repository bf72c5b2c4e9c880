import type { AuditEntry } from '../../core/audit/audit-entry.js';
import type { BuildRecord } from '../../core/builds/record.js';
import { isFinal } from '../../core/builds/types.js';
import { approvalSection } from './approval-section.js';
import { gateSection } from './gate-section.js';
import { buildActions, cancelForm, NO_PERMISSIONS, type BuildPermissions } from './build-actions.js';
import { buildStages, stepToOpen } from './build-stages.js';
import { buildOutputs } from './build-outputs.js';
import type { ArtifactEntry } from '../../shared/ports/artifact-store.js';
import { formatDuration, runTime } from './format-time.js';
import { branchOf, githubLinks } from './github-links.js';
import { h, NOBODY, page, timeTag, type Viewer } from './html.js';
import { specReport } from './spec-report.js';
import { stateBadge } from './state-badge.js';

/** What the build page shows besides the record. */
export interface BuildPageView {
  now: Date;
  may: BuildPermissions;
  /** The audit trail's entries about this build, newest first. */
  audit: readonly AuditEntry[];
  /** The step whose log to open (`?step=`), when asked. */
  step?: string;
  /** The files the build's steps kept. */
  artifacts?: readonly ArtifactEntry[];
}

const DEFAULT_VIEW: BuildPageView = { now: new Date(0), may: NO_PERMISSIONS, audit: [] };

/**
 * A build for people: what it builds with links to GitHub, the stages with their steps, the
 * failing step's log opened first, spec problems against the spec's lines, the approval with
 * its rules and history, the actions the viewer may take, and the audit records. The
 * `#build-live` part is served alone too (`?fragment=live`), which build-page.js swaps in as
 * build events arrive. A record that cannot be shown gives a page saying so, never an error.
 */
export function buildPage(b: BuildRecord, viewer: Viewer = NOBODY, view: BuildPageView = DEFAULT_VIEW): string {
  try {
    return page(`Build ${b.id} · Slipway`, buildBody(b, viewer, view), viewer, {
      modules: ['build-page.js'],
      styles: ['log-viewer.css'],
      preload: [
        'live-events.js',
        'build-actions.js',
        'log-viewer.js',
        'log-feed.js',
        'log-lines.js',
        'log-markup.js',
        'log-search.js',
        'vendor/ansi_up.js',
      ],
    });
  } catch {
    return page(
      `Build ${b?.id} · Slipway`,
      `<h1>Build ${h(b?.id)}</h1><p>This build's record cannot be shown.</p>`,
      viewer,
    );
  }
}

function buildBody(b: BuildRecord, viewer: Viewer, view: BuildPageView): string {
  const r = b.request;
  const links = githubLinks(r);
  const branch = branchOf(r.ref);
  const where =
    r.pullRequest !== undefined
      ? `pull request <a href="${h(links.pullRequest)}">#${h(r.pullRequest)}</a>` +
        (r.baseRef ? ` into ${h(r.baseRef)}` : '')
      : branch !== undefined
        ? `branch <a href="${h(links.branch)}">${h(branch)}</a>`
        : `<code>${h(r.ref)}</code>`;
  const deploy = (Array.isArray(b.stages) ? b.stages : []).find((s) => s.name === 'deploy' && s.state !== 'skipped');
  const environment = b.approval?.environment;
  const name = `${r.repo.owner}/${r.repo.name}`;
  return [
    `<p><a href="/">All builds</a> · <a href="/?repo=${h(encodeURIComponent(name))}">builds of ${h(name)}</a></p>`,
    `<h1>Build ${h(b.id)}</h1>`,
    `<p class="what"><a href="${h(links.repo)}">${h(r.repo.owner)}/${h(r.repo.name)}</a>, ${where}, `,
    `commit <a href="${h(links.commit)}"><code>${h(String(r.sha).slice(0, 7))}</code></a>`,
    r.subject ? ` <span class="subject">${h(r.subject)}</span>` : '',
    `. ${h(r.event)} by <strong>${h(r.sender)}</strong>${r.fork ? ' (from a fork: no secrets, no deploy)' : ''}.`,
    deploy && environment ? ` <a href="${h(links.deployments(environment))}">Deployments to ${h(environment)}</a>` : '',
    '</p>',
    b.rerunOf
      ? `<p class="rerun-of">Re-run of <a href="/builds/${h(encodeURIComponent(b.rerunOf.buildId))}">` +
        `${h(b.rerunOf.buildId)}</a>${b.rerunOf.steps ? `: only ${h(b.rerunOf.steps.join(', '))}` : ''}</p>`
      : '',
    `<div id="build-live" data-build="${h(b.id)}" data-final="${isFinal(b.state)}">${buildLive(b, viewer, view)}</div>`,
    buildActions(b, view.may, viewer),
    logPanel(b, view.step),
    auditSection(view.audit),
  ].join('');
}

/** The part of the page that changes while the build runs (served alone as `?fragment=live`). */
export function buildLive(b: BuildRecord, viewer: Viewer, view: BuildPageView): string {
  const open = stepToOpen(b, view.step);
  const took = runTime(b, view.now);
  return [
    `<div class="summary" data-open-step="${h(open?.key ?? '')}" data-open-state="${h(open?.state ?? '')}"`,
    ` data-open-name="${h(open?.name ?? '')}">`,
    `<p class="build-state">${stateBadge(b.state)}`,
    took !== undefined ? ` <span>${elapsed(b.state, formatDuration(took))}</span>` : '',
    ` <small>created ${timeTag(b.createdAt)}</small>`,
    ` ${cancelForm(b, view.may, viewer)}</p></div>`,
    b.specError ? `<p class="failure">${h(b.specError)}</p>` : '',
    specReport(Array.isArray(b.specIssues) ? b.specIssues : [], b.specSource),
    buildStages(b, view.now, open?.key),
    buildOutputs(b, view.artifacts ?? []),
    gateSection(b.id, b.gate, viewer, view.now),
    approvalSection(b.id, b.approval, b.state === 'waiting', viewer, view.now),
  ].join('');
}

/** Where the opened step's log is mounted by build-page.js (the page names it; the script fetches it). */
function logPanel(b: BuildRecord, asked?: string): string {
  const open = stepToOpen(b, asked);
  return [
    `<section id="log" class="log-panel" aria-labelledby="log-title" data-build="${h(b.id)}"`,
    open ? ` data-step="${h(open.key)}" data-state="${h(open.state)}" data-name="${h(open.name)}"` : '',
    `><h2 id="log-title">Log${open ? ` of ${h(open.name)}` : ''}</h2>`,
    open
      ? `<p><a href="/builds/${h(b.id)}/steps/${h(open.key)}/log">The log as text</a></p><div class="log-view"></div>`
      : '<p class="no-log">No step has run yet; the log opens here when one starts.</p><div class="log-view"></div>',
    '</section>',
  ].join('');
}

function auditSection(entries: readonly AuditEntry[]): string {
  if (entries.length === 0) return '';
  const item = (e: AuditEntry) => {
    const what =
      e.kind === 'approval-decision'
        ? `${e.decision} for ${e.environment}${e.counted ? '' : ` (not counted: ${e.why ?? ''})`}`
        : e.kind === 'approval-settled'
          ? `approval for ${e.environment} ${e.state}`
          : e.kind === 'gate-decision'
            ? `${e.decision} of the manual test${e.reason ? `: ${e.reason}` : ''}` +
              `${e.counted ? '' : ` (not counted: ${e.why ?? ''})`}`
            : e.kind === 'gate-settled'
              ? `manual test ${e.state}`
              : e.kind === 'cancel'
                ? `cancel: ${e.reason}`
                : e.kind === 'manual-run'
                  ? `manual run of ${e.ref}`
                  : e.kind === 'rerun'
                    ? `re-run of ${e.of}${e.failedOnly ? ' (failed steps)' : ''}`
                    : e.kind;
    const from = e.from ? ` <small>via ${h(e.from.via)}${e.from.ip ? ` from ${h(e.from.ip)}` : ''}</small>` : '';
    return `<li>${timeTag(e.at)} <strong>${h(e.actor)}</strong> ${h(what)}${from}</li>`;
  };
  return [
    '<section class="audit" aria-labelledby="audit-title"><h2 id="audit-title">Audit</h2>',
    `<ol>${entries.map(item).join('')}</ol></section>`,
  ].join('');
}

/** How long the build took, runs, or since when it started while it waits (it is not running then). */
function elapsed(state: BuildRecord['state'], took: string): string {
  if (isFinal(state)) return `took ${h(took)}`;
  return state === 'waiting' ? `started ${h(took)} ago` : `running for ${h(took)}`;
}
