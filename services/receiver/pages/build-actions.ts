import type { BuildRecord } from '../../core/builds/record.js';
import { isFinal } from '../../core/builds/types.js';
import { branchOf } from './github-links.js';
import { csrfField, h, type Viewer } from './html.js';

/** What the viewer may do to a build, as the server decided (the routes check again on every action). */
export interface BuildPermissions {
  cancel: boolean;
  /** Start a manual run of the build's commit. */
  trigger: boolean;
  /** Re-run the build, or its failed steps (POST /api/v1/builds/:id/rerun). */
  rerun: boolean;
}

export const NO_PERMISSIONS: BuildPermissions = { cancel: false, trigger: false, rerun: false };

/** Cancel while the build is not over: a plain form, answered with a redirect back. */
export function cancelForm(b: BuildRecord, may: BuildPermissions, viewer: Viewer): string {
  if (!may.cancel || isFinal(b.state)) return '';
  return (
    `<form method="post" action="/builds/${h(b.id)}/cancel" class="inline">${csrfField(viewer)}` +
    '<button type="submit" class="danger">Cancel build</button></form>'
  );
}

/**
 * Re-run buttons once the build is over, and the form for a manual run of this commit with
 * parameters. These post JSON to the API from build-actions.js (with the CSRF token as a
 * header) and then open what they started; they are absent for people who may not use them.
 */
export function buildActions(b: BuildRecord, may: BuildPermissions, viewer: Viewer): string {
  const r = b.request;
  const parts: string[] = [];
  const token = `data-csrf="${h(viewer.csrf)}"`;
  if (may.rerun && isFinal(b.state)) {
    const failed = b.state === 'failure' || b.state === 'error';
    parts.push(
      `<form class="inline" data-json-action="/api/v1/builds/${h(b.id)}/rerun" ${token}>`,
      '<button type="submit">Re-run build</button></form>',
      failed
        ? `<form class="inline" data-json-action="/api/v1/builds/${h(b.id)}/rerun" ${token}>` +
            '<input type="hidden" name="failed_only" value="true">' +
            '<button type="submit">Re-run failed steps</button></form>'
        : '',
    );
  }
  if (may.trigger) {
    parts.push(
      `<details class="manual-run"><summary>Run this commit manually, with parameters</summary>`,
      `<form data-json-action="/builds" data-kind="manual-run" ${token}>`,
      `<input type="hidden" name="repo" value="${h(r.repo.owner)}/${h(r.repo.name)}">`,
      `<input type="hidden" name="sha" value="${h(r.sha)}">`,
      `<p><label>Branch <input name="ref" value="${h(branchOf(r.ref) ?? '')}" placeholder="manual"></label></p>`,
      '<p><label>Parameters, one NAME=value a line<br>',
      '<textarea name="params" rows="3" cols="30" spellcheck="false" placeholder="TARGET=canary">',
      '</textarea></label></p>',
      '<p><button type="submit">Start run</button></p></form></details>',
    );
  }
  if (parts.length === 0) return '';
  const result = '<p class="action-result" role="status"></p>';
  return `<section class="actions" aria-label="Actions">${parts.join('')}${result}</section>`;
}
