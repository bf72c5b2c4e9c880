// @ts-check
/**
 * The build list (`GET /`) made live: when a build event arrives, the `#builds` section is
 * fetched again with the page's filters (`?fragment=builds`, rendered and access-checked by
 * the server) and swapped in, so rows change state and new builds appear without a reload.
 * On a later page (`after=`), only events about builds shown there redraw it.
 */
import { fetchFragment, onBuildEvents } from './live-events.js';

const section = () => /** @type {HTMLElement | null} */ (document.getElementById('builds'));

/** @param {{ buildId?: string }} event */
const wanted = (event) => {
  const current = section();
  if (!current) return false;
  if (current.dataset.live === 'all') return true;
  return typeof event.buildId === 'string' && document.getElementById(`build-${event.buildId}`) !== null;
};

async function redraw() {
  const params = new URLSearchParams(location.search);
  params.set('fragment', 'builds');
  const fresh = (await fetchFragment(`/?${params}`)).getElementById('builds');
  const current = section();
  if (fresh && current) current.replaceWith(fresh);
}

onBuildEvents(wanted, redraw);
