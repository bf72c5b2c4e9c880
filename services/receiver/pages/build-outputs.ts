import { formatBytes } from '../../core/artifacts/limits.js';
import type { BuildRecord, StepRecord } from '../../core/builds/record.js';
import type { TestResult } from '../../core/reports/types.js';
import { unlistedFailures } from '../../core/reports/unlisted-failures.js';
import type { ArtifactEntry } from '../../shared/ports/artifact-store.js';
import { artifactUrl } from '../api-v1/build-routes.js';
import { formatDuration } from './format-time.js';
import { h } from './html.js';

/**
 * What a build's steps left: their test reports (counts, each failure kept with its message and
 * where, how many more there were, the slowest tests) and the artifacts they kept, each a download link. Nothing when
 * there is neither.
 */
export function buildOutputs(b: BuildRecord, artifacts: readonly ArtifactEntry[]): string {
  return testsSection(b) + artifactsSection(b.id, artifacts);
}

function testsSection(b: BuildRecord): string {
  const steps = (Array.isArray(b.stages) ? b.stages : []).flatMap((s) => s.steps).filter((s) => s.tests);
  if (steps.length === 0) return '';
  return [
    '<section class="tests" aria-labelledby="tests-title"><h2 id="tests-title">Tests</h2>',
    ...steps.map(stepTests),
    '</section>',
  ].join('');
}

function stepTests(step: StepRecord): string {
  const t = step.tests!;
  const c = t.counts;
  const counts =
    `${c.total} tests: ${c.passed} passed, ${c.failed} failed` +
    (c.errored ? `, ${c.errored} errored` : '') +
    (c.skipped ? `, ${c.skipped} skipped` : '');
  const failed = c.failed + c.errored > 0;
  const unlisted = unlistedFailures(t);
  return [
    `<h3>${h(step.name)}</h3>`,
    `<p class="${failed ? 'failure' : 'success'}">${failed ? '✗' : '✓'} ${h(counts)}` +
      (t.timeMs ? ` <small>in ${h(formatDuration(t.timeMs))}</small>` : '') +
      '</p>',
    t.failures.length > 0 ? `<h4>Failures</h4><ul class="test-failures">${t.failures.map(failure).join('')}</ul>` : '',
    unlisted > 0
      ? `<p class="test-more">… and ${h(unlisted.toLocaleString('en'))} more ` +
        `failure${unlisted === 1 ? '' : 's'}, not listed: the build keeps the first ${h(t.failures.length)}.</p>`
      : '',
    t.slowest.length > 0
      ? `<h4>Slowest</h4><ol class="test-slowest">${t.slowest
          .map((s) => `<li>${h(testName(s))} <small>${h(formatDuration(s.timeMs ?? 0))}</small></li>`)
          .join('')}</ol>`
      : '',
    t.unreadable.length > 0
      ? `<p class="failure">Not read: ${t.unreadable.map((u) => `${h(u.report)} (${h(u.error)})`).join('; ')}</p>`
      : '',
  ].join('');
}

function failure(t: TestResult): string {
  const where = t.file ? ` <small><code>${h(t.file)}${t.line !== undefined ? `:${h(t.line)}` : ''}</code></small>` : '';
  return [
    `<li><strong>${h(testName(t))}</strong>${where}`,
    t.message ? `<p class="test-message">${h(t.message)}</p>` : '',
    t.details && t.details !== t.message
      ? `<details><summary>Details</summary><pre>${h(t.details)}</pre></details>`
      : '',
    '</li>',
  ].join('');
}

function testName(t: TestResult): string {
  return t.suite ? `${t.suite} › ${t.name}` : t.name;
}

function artifactsSection(buildId: string, artifacts: readonly ArtifactEntry[]): string {
  if (artifacts.length === 0) return '';
  const row = (a: ArtifactEntry) =>
    `<tr><td data-label="File"><a href="${h(artifactUrl(buildId, a.path))}" download>${h(a.path)}</a></td>` +
    `<td data-label="Size">${h(formatBytes(a.size))}</td><td data-label="Step">${h(a.step)}</td></tr>`;
  return [
    '<section class="artifacts" aria-labelledby="artifacts-title"><h2 id="artifacts-title">Artifacts</h2>',
    '<table class="files"><thead><tr>',
    '<th scope="col">File</th><th scope="col">Size</th><th scope="col">Step</th></tr></thead>',
    `<tbody>${artifacts.map(row).join('')}</tbody></table></section>`,
  ].join('');
}
