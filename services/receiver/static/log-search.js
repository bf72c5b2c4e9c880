// @ts-check
/**
 * Search within one log: the matches, which one is current, and their marks on the lines
 * on screen. Matches are found in the text the screen shows (LogLines.textOf), and marked
 * with the CSS Custom Highlight API, which paints ranges without changing the DOM; where a
 * browser lacks it, the viewer's per-line classes still show which lines match.
 */

/** @typedef {import('./log-lines.js').LogLines} LogLines */

/** Each viewer's ranges, painted together: the highlight registry is one per document. */
const painted = new Map();

export class LogSearch {
  /** @param {LogLines} log */
  constructor(log) {
    this.log = log;
    this.query = '';
    /** @type {Array<[number, number]>} */
    this.matches = [];
    this.current = -1;
    /** Line indexes with at least one match. */
    this.lines = new Set();
  }

  /**
   * Searches the whole log; the current match becomes the first at or after line `near`.
   * @param {string} query
   * @param {number} near
   */
  run(query, near) {
    this.query = query;
    this.matches = this.log.find(query);
    this.lines = new Set(this.matches.map(([line]) => line));
    const after = firstAtOrAfter(this.matches, near);
    this.current = this.matches.length === 0 ? -1 : after < this.matches.length ? after : 0;
  }

  /**
   * Adds the matches in lines appended since the last search.
   * @param {number} from
   */
  extend(from) {
    if (!this.query) return;
    const more = this.log.find(this.query, from);
    for (const match of more) {
      this.matches.push(match);
      this.lines.add(match[0]);
    }
    if (this.current < 0 && this.matches.length > 0) this.current = 0;
  }

  /** @param {1 | -1} step */
  move(step) {
    const n = this.matches.length;
    if (n > 0) this.current = (this.current + step + n) % n;
  }

  /** The current match's line index, if any. */
  currentLine() {
    return this.matches[this.current]?.[0];
  }

  /** "3 of 17", "No matches", or nothing without a query. */
  summary() {
    if (!this.query) return '';
    return this.matches.length ? `${this.current + 1} of ${this.matches.length}` : 'No matches';
  }
}

/**
 * Marks the matches of `search` inside the rendered rows (elements with `data-line` and a
 * `.lv-x` text span), which show lines `first` to `last - 1`.
 * @param {object} owner the viewer the marks belong to
 * @param {HTMLElement} rows
 * @param {LogSearch} search
 * @param {number} first
 * @param {number} last
 */
export function paintMatches(owner, rows, search, first, last) {
  /** @type {Range[]} */
  const all = [];
  /** @type {Range[]} */
  const current = [];
  const { matches, query } = search;
  /** @type {Map<number, Element>} */
  const texts = new Map();
  for (const row of rows.querySelectorAll('[data-line]')) {
    const text = row.querySelector('.lv-x');
    if (text) texts.set(Number(/** @type {HTMLElement} */ (row).dataset.line), text);
  }
  for (let i = firstAtOrAfter(matches, first); query && i < matches.length; i++) {
    const [line, at] = /** @type {[number, number]} */ (matches[i]);
    if (line >= last) break;
    const text = texts.get(line);
    const range = text && rangeOf(text, at, query.length);
    if (!range) continue;
    all.push(range);
    if (i === search.current) current.push(range);
  }
  painted.set(owner, { all, current });
  repaint();
}

/**
 * The index of the first match on line `line` or later (matches are in line order).
 * @param {Array<[number, number]>} matches
 * @param {number} line
 */
function firstAtOrAfter(matches, line) {
  let lo = 0;
  let hi = matches.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (/** @type {[number, number]} */ (matches[mid])[0] < line) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** @param {object} owner */
export function forgetMatches(owner) {
  painted.delete(owner);
  repaint();
}

function repaint() {
  if (typeof Highlight === 'undefined' || !CSS.highlights) return;
  const values = [...painted.values()];
  CSS.highlights.set('lv-match', new Highlight(...values.flatMap((v) => v.all)));
  CSS.highlights.set('lv-current', new Highlight(...values.flatMap((v) => v.current)));
}

/**
 * A range over `length` characters of `element`'s text, starting at `offset`.
 * @param {Element} element
 * @param {number} offset
 * @param {number} length
 */
function rangeOf(element, offset, length) {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let seen = 0;
  let started = false;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const size = /** @type {Text} */ (node).data.length;
    if (!started && offset < seen + size) {
      range.setStart(node, offset - seen);
      started = true;
    }
    if (started && offset + length <= seen + size) {
      range.setEnd(node, offset + length - seen);
      return range;
    }
    seen += size;
  }
  return undefined;
}
