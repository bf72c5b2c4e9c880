// @ts-check
/**
 * The build page's actions that go to the JSON API (re-run, a manual run with parameters):
 * each is a `<form data-json-action=URL data-csrf=TOKEN>`; submitting posts JSON with the
 * CSRF token as `X-CSRF-Token`, then opens what it started, or says why not. The server
 * decides again whether the person may (the buttons are only drawn for people who may).
 */

/**
 * `NAME=value` lines as an object; blank lines and lines without `=` are left out.
 * @param {string} text
 */
export function parseParams(text) {
  /** @type {Record<string, string>} */
  const params = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at <= 0) continue;
    params[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return params;
}

/** @param {HTMLFormElement} form */
function bodyOf(form) {
  const data = new FormData(form);
  const text = (/** @type {string} */ name) => String(data.get(name) ?? '');
  if (form.dataset.kind === 'manual-run') {
    return {
      repo: text('repo'),
      sha: text('sha'),
      ...(text('ref') ? { ref: text('ref') } : {}),
      params: parseParams(text('params')),
    };
  }
  return { failed_only: text('failed_only') === 'true' };
}

/**
 * @param {HTMLFormElement} form
 * @param {Record<string, unknown>} body what the API answered
 */
function whereNext(form, body) {
  const id = body.build ?? body.buildId ?? body.build_id ?? body.id;
  if (form.dataset.kind === 'manual-run') return `/?repo=${encodeURIComponent(String(new FormData(form).get('repo')))}`;
  return typeof id === 'string' ? `/builds/${encodeURIComponent(id)}` : location.pathname;
}

/**
 * Resolves once `path` answers 200, asking every 250 ms for up to 15 s (then the page is
 * opened anyway, and says what it knows).
 * @param {string} path
 */
async function recorded(path) {
  for (let i = 0; i < 60; i++) {
    const res = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } }).catch(
      () => undefined,
    );
    if (res?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

document.addEventListener('submit', async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.jsonAction) return;
  event.preventDefault();
  const result = document.querySelector('.action-result');
  const buttons = [...form.querySelectorAll('button')];
  for (const b of buttons) b.disabled = true;
  try {
    const res = await fetch(form.dataset.jsonAction, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': form.dataset.csrf ?? '' },
      body: JSON.stringify(bodyOf(form)),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.message ?? `the server answered ${res.status}`);
    if (result) result.textContent = 'Started; opening it…';
    const next = whereNext(form, body);
    // The planner records the new build a moment after the API accepted it: open it once it is there.
    if (next.startsWith('/builds/')) await recorded(`/api/v1${next}`);
    location.assign(next);
  } catch (err) {
    if (result) result.textContent = `Not started: ${/** @type {Error} */ (err).message}`;
    for (const b of buttons) b.disabled = false;
  }
});
