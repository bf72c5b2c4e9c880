import { SCOPES } from '../../core/auth/principal.js';
import type { PersonalToken } from '../../shared/ports/personal-tokens.js';
import { csrfField, h, page, type Viewer } from './html.js';

/**
 * `/settings/tokens`: a person's personal tokens (name, scopes, when made, a revoke button),
 * a form to make one, and, right after making one, the token itself, shown this once.
 */
export function tokensPage(
  tokens: readonly PersonalToken[],
  viewer: Viewer,
  outcome?: { token: string; name: string } | string,
): string {
  const held = viewer.principal.kind === 'user' ? viewer.principal.scopes : [];
  const made =
    typeof outcome === 'object'
      ? `<p>Your new token “${h(outcome.name)}”, shown only now; copy it:</p><p class="secret">${h(outcome.token)}</p>`
      : typeof outcome === 'string'
        ? `<p class="failure">${h(outcome)}</p>`
        : '';
  const rows = tokens
    .map(
      (t) =>
        `<tr><td>${h(t.name)}</td><td>${h(t.scopes.join(', '))}</td><td>${h(t.createdAt)}</td><td>` +
        `<form method="post" action="/settings/tokens/${h(t.id)}/revoke">${csrfField(viewer)}` +
        `<button type="submit">Revoke</button></form></td></tr>`,
    )
    .join('');
  const boxes = SCOPES.filter((s) => held.includes(s))
    .map(
      (s) => `<label><input type="checkbox" name="scope" value="${s}"${s === 'read' ? ' checked' : ''}> ${s}</label>`,
    )
    .join(' ');
  return page(
    'Personal tokens',
    [
      `<h1>Personal tokens</h1>${made}`,
      '<table><tr><th>name</th><th>scopes</th><th>made</th><th></th></tr>',
      `${rows || '<tr><td colspan="4">none yet</td></tr>'}</table>`,
      '<h2>Make a token</h2>',
      `<form method="post" action="/settings/tokens">${csrfField(viewer)}`,
      '<p><label>Name <input name="name" required maxlength="100"></label></p>',
      `<p>${boxes}</p><p><button type="submit">Make token</button></p></form>`,
    ].join(''),
    viewer,
  );
}
