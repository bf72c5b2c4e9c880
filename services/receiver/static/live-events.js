// @ts-check
/**
 * The build events (`GET /api/v1/events`, Server-Sent Events of services/shared/ports/build-events.ts)
 * as a page needs them: "something about these builds changed, draw again". Events are
 * coalesced, so a burst of step changes costs one redraw, and a reconnection (EventSource
 * does it by itself, resuming with Last-Event-ID) draws once more in case something was missed.
 */

/** The URL of the events stream. */
export const EVENTS_URL = '/api/v1/events';

const KINDS = ['message', 'build', 'stage', 'step', 'approval'];

/**
 * Calls `redraw` (at most one at a time, again once more if events came meanwhile) whenever
 * an event passes `wanted`. Returns a function that stops listening.
 * @param {(event: { buildId?: string, kind?: string }) => boolean} wanted
 * @param {() => Promise<void>} redraw
 * @param {string} [url]
 */
export function onBuildEvents(wanted, redraw, url = EVENTS_URL) {
  let running = false;
  let again = false;
  const schedule = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await redraw().catch((err) => console.warn('could not refresh the page', err));
      } while (again);
    } finally {
      running = false;
    }
  };
  const source = new EventSource(url);
  let opened = 0;
  source.addEventListener('open', () => {
    opened += 1;
    document.documentElement.dataset.live = 'connected';
    if (opened > 1) void schedule();
  });
  source.addEventListener('error', () => {
    document.documentElement.dataset.live = 'reconnecting';
  });
  const onEvent = (/** @type {Event} */ event) => {
    let data;
    try {
      data = JSON.parse(/** @type {MessageEvent<string>} */ (event).data);
    } catch {
      return;
    }
    if (data && typeof data === 'object' && wanted(data)) void schedule();
  };
  for (const kind of KINDS) source.addEventListener(kind, onEvent);
  return () => source.close();
}

/**
 * The HTML of `url` parsed into elements (the server's own, escaped, rendering).
 * @param {string} url
 */
export async function fetchFragment(url) {
  const res = await fetch(url, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
  if (!res.ok) throw new Error(`${res.status} from ${url}`);
  const template = document.createElement('template');
  template.innerHTML = await res.text();
  return template.content;
}
