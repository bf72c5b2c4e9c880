// @ts-check
import { AnsiUp } from 'ansi_up';

/**
 * One line of a step's output, as the API and the live stream give it.
 * @typedef {{ time: string, stream: 'stdout' | 'stderr', text: string }} LogLine
 */

/** Escape sequences of any kind (CSI, OSC up to BEL or ST, and two-character ones). */
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]/g;
const ENTITIES = /** @type {Record<string, string>} */ ({
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#x27;': "'",
});

/** Escapes text for HTML (for what the viewer writes itself; ansi_up escapes the log text). */
export function escapeHtml(/** @type {string} */ text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * What a terminal would show of a line that redraws itself with carriage returns (progress
 * bars): the text after the last `\r`, keeping the escape sequences before it so colours
 * carry on. A `\r` inside HTML would otherwise become a line break.
 * @param {string} text
 */
export function visibleText(text) {
  const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
  const cut = trimmed.lastIndexOf('\r');
  if (cut < 0) return trimmed;
  return (trimmed.slice(0, cut).match(ESCAPES) ?? []).join('') + trimmed.slice(cut + 1);
}

/** The time of a line as shown beside it: `HH:MM:SS.mmm` (UTC, as Docker stamps it). */
export function shortTime(/** @type {string} */ iso) {
  return iso.slice(11, 23);
}

/**
 * The lines of one log with their HTML, built in order with one ANSI parser (a colour set on
 * one line carries on to the next, as in a terminal) and only as far as something asks for.
 * The plain text is taken from that same HTML, so search, download and what is on the
 * screen never disagree.
 */
export class LogLines {
  constructor() {
    /** @type {LogLine[]} */
    this.lines = [];
    /** @type {string[]} */
    this.html = [];
    /** @type {string[]} */
    this.plain = [];
    this.ansi = new AnsiUp();
    this.ansi.use_classes = true;
  }

  get length() {
    return this.lines.length;
  }

  /** @param {readonly LogLine[]} lines */
  push(lines) {
    for (const line of lines) this.lines.push(line);
  }

  /** @param {number} index */
  line(index) {
    return /** @type {LogLine} */ (this.lines[index]);
  }

  /**
   * The line's text as HTML, escaped, with spans for colours and styles.
   * @param {number} index
   */
  htmlOf(index) {
    while (this.html.length <= index) {
      const next = /** @type {LogLine} */ (this.lines[this.html.length]);
      this.html.push(this.ansi.ansi_to_html(visibleText(next.text)));
    }
    return /** @type {string} */ (this.html[index]);
  }

  /**
   * The line's text as the screen shows it: no escape codes, no markup.
   * @param {number} index
   */
  textOf(index) {
    while (this.plain.length <= index) {
      const html = this.htmlOf(this.plain.length);
      this.plain.push(html.replace(/<[^>]*>/g, '').replace(/&(?:amp|lt|gt|quot|#x27);/g, (e) => ENTITIES[e] ?? e));
    }
    return /** @type {string} */ (this.plain[index]);
  }

  /** The whole log as text, one line each, as the screen shows it. */
  text() {
    const out = [];
    for (let i = 0; i < this.lines.length; i++) out.push(this.textOf(i));
    return out.length ? `${out.join('\n')}\n` : '';
  }

  /**
   * Every occurrence of `query` (case-insensitive, as typed) from line `from` on, as
   * [line index, offset in its text].
   * @param {string} query
   * @param {number} [from]
   * @returns {Array<[number, number]>}
   */
  find(query, from = 0) {
    /** @type {Array<[number, number]>} */
    const matches = [];
    if (!query) return matches;
    const pattern = new RegExp(query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
    for (let i = from; i < this.lines.length; i++) {
      for (const m of this.textOf(i).matchAll(pattern)) matches.push([i, m.index]);
    }
    return matches;
  }
}
