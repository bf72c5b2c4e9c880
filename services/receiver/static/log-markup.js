// @ts-check
import { escapeHtml, shortTime } from './log-lines.js';

/** @typedef {import('./log-lines.js').LogLine} LogLine */

let viewers = 0;

/**
 * The viewer's markup: its controls (each a labelled button or input, in tab order) above the
 * scrolling log. The log region is focusable, so the keyboard scrolls it (arrows, Page Up and
 * Down, Home, End).
 * @param {string} label what the log is, for its accessible name
 */
export function toolbarHtml(label) {
  const id = `lv${++viewers}`;
  return [
    `<div class="lv-toolbar">`,
    `<button type="button" class="lv-follow" aria-pressed="true" title="Keep the newest line in view">Follow</button>`,
    `<button type="button" class="lv-times" aria-pressed="false">Timestamps</button>`,
    `<form class="lv-search" role="search" aria-label="Search the log">`,
    `<label for="${id}-q">Search</label>`,
    `<input id="${id}-q" type="search" autocomplete="off" spellcheck="false" aria-describedby="${id}-n">`,
    `<button type="button" class="lv-prev" aria-label="Previous match" title="Previous match (Shift+Enter)">`,
    `&uarr;</button>`,
    `<button type="button" class="lv-next" aria-label="Next match" title="Next match (Enter)">&darr;</button>`,
    `<output class="lv-count" id="${id}-n" aria-live="polite"></output>`,
    `</form>`,
    `<button type="button" class="lv-download">Download</button>`,
    `<span class="lv-status"></span>`,
    `</div>`,
    `<div class="lv-viewport" tabindex="0" role="region" aria-label="${escapeHtml(label)}">`,
    `<div class="lv-spacer"><div class="lv-rows"></div></div>`,
    `</div>`,
  ].join('');
}

/**
 * The 1-based line a location hash names (`#L123` with prefix `L`), or 0.
 * @param {string} hash
 * @param {string} prefix
 */
export function lineAnchor(hash, prefix) {
  if (!hash.startsWith(`#${prefix}`)) return 0;
  const rest = hash.slice(prefix.length + 1);
  return /^[1-9][0-9]*$/.test(rest) ? Number(rest) : 0;
}

/**
 * One line's row: its number as a link to its anchor, its time (shown on demand), a marker
 * for screen readers on stderr lines, and its text as HTML (`html`, already escaped).
 * @param {{ line: LogLine, n: number, html: string, prefix: string, classes: string[] }} row
 */
export function rowHtml({ line, n, html, prefix, classes }) {
  const err = line.stream === 'stderr';
  const names = ['lv-row', ...(err ? ['lv-err'] : []), ...classes].join(' ');
  return [
    `<div class="${names}" id="${prefix}${n}" data-line="${n - 1}">`,
    `<a class="lv-n" href="#${prefix}${n}" aria-label="Line ${n}">${n}</a>`,
    `<time class="lv-t" datetime="${escapeHtml(line.time)}">${escapeHtml(shortTime(line.time))}</time>`,
    err ? '<span class="lv-sr">stderr: </span>' : '',
    `<span class="lv-x">${html}</span></div>`,
  ].join('');
}
