// @ts-check
/**
 * The build page made live: build events about this build fetch `#build-live` again
 * (`?fragment=live`) and swap it in, so states, durations, waiting reasons and the approval
 * change without a reload. The log panel mounts the log viewer for the step the server chose
 * (the failing one first, else the running one): a step still running is followed live over
 * its log stream, a finished one is loaded whole. Unless a step was asked for (`?step=`), the
 * panel follows the server's choice as the build goes on: the next running step, or the one
 * that failed; when none is chosen any more (the build passed), the last log stays open.
 */
import './build-actions.js';
import { eventSourceFeed } from './log-feed.js';
import { mountLogViewer } from './log-viewer.js';
import { EVENTS_URL, fetchFragment, onBuildEvents } from './live-events.js';

const live = /** @type {HTMLElement} */ (document.getElementById('build-live'));
const panel = /** @type {HTMLElement} */ (document.getElementById('log'));
const buildId = live.dataset.build ?? '';
const FINAL = new Set(['success', 'failure', 'error', 'skipped', 'cancelled']);
let mounted = '';

/**
 * Opens a step's log in the panel.
 * @param {string} step
 * @param {string} state
 * @param {string} name
 */
async function openLog(step, state, name) {
  if (!step || mounted === step) return;
  mounted = step;
  const base = `/builds/${encodeURIComponent(buildId)}/steps/${encodeURIComponent(step)}/log`;
  panel.dataset.step = step;
  const title = panel.querySelector('h2');
  if (title) title.textContent = `Log of ${name}`;
  panel.querySelector('.no-log')?.remove();
  const view = /** @type {HTMLElement} */ (panel.querySelector('.log-view'));
  view.replaceChildren();
  const options = { label: `${name}: log`, downloadName: `${buildId}-${step}.log` };
  if (FINAL.has(state)) {
    const res = await fetch(`${base}?format=json`, { credentials: 'same-origin' });
    const lines = res.ok ? (await res.json()).lines : [];
    mountLogViewer(view, { ...options, lines });
  } else {
    mountLogViewer(view, { ...options, feed: eventSourceFeed(`${base}/stream`) });
  }
}

function openChosen() {
  const summary = /** @type {HTMLElement | null} */ (live.querySelector('.summary'));
  // The server's choice follows the build (the step asked for with ?step=, else the failing
  // one, else the running one): when the checkout ends and a test starts, its log opens.
  const step = summary?.dataset.openStep || panel.dataset.step || '';
  const chosen = step === summary?.dataset.openStep ? summary : null;
  const state = chosen?.dataset.openState ?? panel.dataset.state ?? '';
  const name = chosen?.dataset.openName ?? panel.dataset.name ?? step;
  if (step) void openLog(step, state, name);
}

async function redraw() {
  const params = new URLSearchParams(location.search);
  params.set('fragment', 'live');
  const fresh = await fetchFragment(`${location.pathname}?${params}`);
  live.replaceChildren(fresh);
  openChosen();
}

openChosen();
// The feed filtered to this build by the server; the check here keeps a stray event harmless.
onBuildEvents((event) => event.buildId === buildId, redraw, `${EVENTS_URL}?build=${encodeURIComponent(buildId)}`);
