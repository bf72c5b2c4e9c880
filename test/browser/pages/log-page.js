// @ts-check
/**
 * The log viewer's test page (test/support/log-viewer-app.ts serves it): mounts the viewer
 * as its config says and gives the test a probe, `globalThis.probe`, that measures and looks
 * inside the page. Times are measured here with performance.now(), the page's own clock.
 */
import { eventSourceFeed } from '@slipway/static/log-feed.js';
import { mountLogViewer } from '@slipway/static/log-viewer.js';

/** @typedef {{ data?: string, stream?: string, label: string, downloadName?: string }} PageConfig */

const config = /** @type {PageConfig} */ (JSON.parse(document.getElementById('config')?.textContent ?? '{}'));
const lines = config.data ? (await (await fetch(config.data)).json()).lines : [];
const container = /** @type {HTMLElement} */ (document.getElementById('log'));
const viewer = mountLogViewer(container, {
  lines,
  label: config.label,
  ...(config.stream ? { feed: eventSourceFeed(config.stream) } : {}),
  ...(config.downloadName ? { downloadName: config.downloadName } : {}),
});

/** Resolves after the next frame is drawn. */
const painted = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));

const viewport = () => /** @type {HTMLElement} */ (container.querySelector('.lv-viewport'));

/**
 * True when line `n`'s row is on screen, wholly inside the log's visible area.
 * @param {number} n
 */
const inView = (n) => {
  const row = document.getElementById(`L${n}`);
  if (!row) return false;
  const r = row.getBoundingClientRect();
  const v = viewport().getBoundingClientRect();
  return r.top >= v.top - 1 && r.bottom <= v.bottom + 1;
};

/** The 1-based numbers of the lines wholly on screen. */
const visibleLines = () =>
  [...container.querySelectorAll('.lv-row')].map((row) => Number(row.id.slice(1))).filter((n) => inView(n));

/**
 * Waits, frame by frame, until `done()` holds; the time it took, or -1 after 10 s.
 * @param {number} start
 * @param {() => boolean} done
 */
const until = async (start, done) => {
  while (!done()) {
    if (performance.now() - start > 10_000) return -1;
    await painted();
  }
  return performance.now() - start;
};

await painted();
const shownAt = performance.now();

Object.assign(globalThis, {
  probe: {
    /** Milliseconds from navigation to the first frame drawn with the log in it. */
    shownAt,
    firstContentfulPaint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1,
    inView,
    visibleLines,
    following: () => viewer.following(),
    selected: () => [...container.querySelectorAll('.lv-selected')].map((row) => Number(row.id.slice(1))),
    rowCount: () => container.querySelectorAll('.lv-row').length,
    lineCount: () => viewer.lineCount(),
    /**
     * Opens `hash` as a person following a link would, and measures until its line is on
     * screen and highlighted.
     * @param {string} hash
     */
    async jump(hash) {
      const start = performance.now();
      location.hash = hash;
      const n = Number(hash.slice(2));
      return until(start, () => inView(n) && !!document.getElementById(`L${n}`)?.classList.contains('lv-selected'));
    },
    /**
     * The computed colour of the log text `text` is drawn in.
     * @param {string} text
     */
    colourOf(text) {
      const spans = [...container.querySelectorAll('.lv-x, .lv-x *')];
      const hit = spans.reverse().find((el) => el.textContent === text);
      return hit ? getComputedStyle(hit).color : '';
    },
    /** Text painted with the search highlight, in order. */
    highlighted() {
      const all = CSS.highlights?.get('lv-match');
      const current = CSS.highlights?.get('lv-current');
      const texts = (/** @type {Highlight | undefined} */ h) => [...(h?.keys() ?? [])].map((r) => String(r));
      return { all: texts(all), current: texts(current) };
    },
    searchCount: () => container.querySelector('.lv-count')?.textContent ?? '',
    /** The accessible name of what has the keyboard focus (aria-label, its label, or its text). */
    focused() {
      const el = /** @type {HTMLElement} */ (document.activeElement);
      const labels = el instanceof HTMLInputElement ? el.labels : null;
      return el.getAttribute('aria-label') ?? labels?.[0]?.textContent ?? el.textContent ?? el.tagName;
    },
    /** The page is wider than the window (something does not fit at this width). */
    overflows: () => document.documentElement.scrollWidth > window.innerWidth,
  },
});
