// @ts-check
import { LogLines } from './log-lines.js';
import { lineAnchor, rowHtml, toolbarHtml } from './log-markup.js';
import { forgetMatches, LogSearch, paintMatches } from './log-search.js';

/** @typedef {import('./log-lines.js').LogLine} LogLine */
/** @typedef {import('./log-feed.js').LogFeed} LogFeed */

/**
 * @typedef {object} LogViewerOptions
 * @property {readonly LogLine[]} [lines] the lines so far (leave out with a feed that replays them)
 * @property {LogFeed} [feed] more lines as they are printed
 * @property {string} [label] what the log is, for its accessible name ("test: npm test")
 * @property {string} [downloadName] the downloaded file's name
 * @property {string} [anchorPrefix] line anchors are `#<prefix><n>`; one prefix per log on a page
 * @property {number} [lineHeight] pixels per line; every line is exactly this tall
 * @property {boolean} [follow] start at the newest line and stay there (default true)
 */

/** Lines rendered above and below the visible ones, so a fast scroll shows no gap. */
const OVERSCAN = 20;

/**
 * Shows a step's log in `container`: colours and styles from its ANSI codes, HTML as text,
 * one fixed-height row per line with only the visible rows in the DOM (a 50,000-line log has
 * some 80 rows), following new lines until the person scrolls up, line anchors, search,
 * timestamps and download. Replaces what the container held; its height bounds the log.
 * @param {HTMLElement} container
 * @param {LogViewerOptions} [options]
 */
export function mountLogViewer(container, options = {}) {
  return new LogViewer(container, options);
}

/** One mounted viewer. Its page calls `append` (or gives a feed), `goToLine`, `destroy`. */
export class LogViewer {
  #log = new LogLines();
  #search = new LogSearch(this.#log);
  #following = true;
  /** The selected line (1-based), 0 for none; `#pending` when it has not arrived yet. */
  #selected = 0;
  #pending = 0;
  #shown = { first: -1, last: -1 };
  #frame = 0;
  #ended = '';
  /** The scrollTop this code set last, to tell its own scroll events from the person's. */
  #expectedTop = -1;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #searchTimer;
  /** @type {(() => void) | undefined} */
  #unsubscribe;

  /**
   * @param {HTMLElement} container
   * @param {LogViewerOptions} options
   */
  constructor(container, options) {
    this.options = options;
    this.lh = options.lineHeight ?? 20;
    this.prefix = options.anchorPrefix ?? 'L';
    this.root = document.createElement('section');
    this.root.className = 'log-viewer';
    this.root.style.setProperty('--lv-line-height', `${this.lh}px`);
    this.root.innerHTML = toolbarHtml(options.label ?? 'Log');
    container.replaceChildren(this.root);
    const q = /** @param {string} s */ (s) => /** @type {HTMLElement} */ (this.root.querySelector(s));
    this.viewport = q('.lv-viewport');
    this.spacer = q('.lv-spacer');
    this.rows = q('.lv-rows');
    this.followButton = q('.lv-follow');
    this.timesButton = q('.lv-times');
    this.searchInput = /** @type {HTMLInputElement} */ (q('.lv-search input'));
    this.searchCount = q('.lv-count');
    this.status = q('.lv-status');
    this.resized = new ResizeObserver(() => this.#render(true));
    this.#listen(q('.lv-search'));

    this.#following = options.follow ?? true;
    this.#log.push(options.lines ?? []);
    this.#updateStatus();
    this.followButton.setAttribute('aria-pressed', String(this.#following));
    this.#lineFromHash();
    this.#render(true);
    this.#unsubscribe = options.feed?.subscribe(
      (lines) => this.append(lines),
      (state) => {
        this.#ended = state;
        this.#updateStatus();
      },
    );
  }

  following() {
    return this.#following;
  }

  lineCount() {
    return this.#log.length;
  }

  /** @param {readonly LogLine[]} lines */
  append(lines) {
    const from = this.#log.length;
    this.#log.push(lines);
    this.#search.extend(from);
    this.#updateStatus();
    if (this.#search.query) this.searchCount.textContent = this.#search.summary();
    if (this.#pending && this.#pending <= this.#log.length) this.goToLine(this.#pending);
    else if (this.#following || this.#shown.last >= from) {
      if (this.#frame) cancelAnimationFrame(this.#frame);
      this.#frame = requestAnimationFrame(() => this.#render(true));
    } else this.#schedule();
  }

  /**
   * Selects line `n` (1-based, as the anchors number lines), shows it, and stops following.
   * @param {number} n
   */
  goToLine(n) {
    this.#selected = n;
    this.setFollowing(false);
    if (n > this.#log.length) {
      this.#pending = n;
      return;
    }
    this.#pending = 0;
    this.#reveal(n - 1);
    this.#render(true);
  }

  /** @param {boolean} on */
  setFollowing(on) {
    this.#following = on;
    this.followButton.setAttribute('aria-pressed', String(on));
    if (on) this.#render();
  }

  destroy() {
    this.#unsubscribe?.();
    this.resized.disconnect();
    removeEventListener('hashchange', this.#lineFromHash);
    removeEventListener('popstate', this.#lineFromHash);
    if (this.#frame) cancelAnimationFrame(this.#frame);
    clearTimeout(this.#searchTimer);
    forgetMatches(this.root);
    this.root.remove();
  }

  /** @param {HTMLElement} form */
  #listen(form) {
    this.viewport.addEventListener('scroll', this.#onScroll, { passive: true });
    this.root.addEventListener('click', this.#onClick);
    this.searchInput.addEventListener('keydown', this.#onSearchKey);
    this.searchInput.addEventListener('input', this.#onSearchInput);
    form.addEventListener('submit', (event) => event.preventDefault());
    addEventListener('hashchange', this.#lineFromHash);
    addEventListener('popstate', this.#lineFromHash);
    this.resized.observe(this.viewport);
  }

  /** @param {number} top */
  #setTop(top) {
    const max = Math.max(0, this.viewport.scrollHeight - this.viewport.clientHeight);
    this.#expectedTop = Math.min(Math.max(0, Math.round(top)), max);
    this.viewport.scrollTop = this.#expectedTop;
  }

  /**
   * Shows line `index` (0-based) in the middle of the view, unless it is already in view.
   * @param {number} index
   */
  #reveal(index) {
    const { viewport, lh } = this;
    this.spacer.style.height = `${this.#log.length * lh}px`;
    const top = index * lh;
    if (top >= viewport.scrollTop && top + lh <= viewport.scrollTop + viewport.clientHeight) return;
    this.#setTop(top - (viewport.clientHeight - lh) / 2);
  }

  /** Puts the rows on screen in the DOM; `force` redraws rows that are there already. */
  #render(force = false) {
    if (this.#frame) cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    const { viewport, lh, rows } = this;
    const total = this.#log.length;
    this.spacer.style.height = `${total * lh}px`;
    if (this.#following) this.#setTop(viewport.scrollHeight);
    const top = viewport.scrollTop;
    const first = Math.max(0, Math.floor(top / lh) - OVERSCAN);
    const last = Math.min(total, Math.ceil((top + (viewport.clientHeight || 40 * lh)) / lh) + OVERSCAN);
    if (!force && first === this.#shown.first && last === this.#shown.last) return;
    const focused = document.activeElement?.closest('[data-line]');
    const focusedLine = focused && rows.contains(focused) ? /** @type {HTMLElement} */ (focused).dataset.line : '';
    const html = [];
    for (let i = first; i < last; i++) html.push(this.#row(i));
    rows.style.transform = `translateY(${first * lh}px)`;
    rows.innerHTML = html.join('');
    this.#shown = { first, last };
    paintMatches(this.root, rows, this.#search, first, last);
    if (focusedLine) {
      const again = rows.querySelector(`[data-line="${focusedLine}"] a`);
      (again instanceof HTMLElement ? again : viewport).focus({ preventScroll: true });
    }
  }

  /** @param {number} i */
  #row(i) {
    const classes = [];
    if (i + 1 === this.#selected) classes.push('lv-selected');
    if (this.#search.lines.has(i)) classes.push('lv-match');
    if (i === this.#search.currentLine()) classes.push('lv-current');
    const line = this.#log.line(i);
    return rowHtml({ line, n: i + 1, html: this.#log.htmlOf(i), prefix: this.prefix, classes });
  }

  #schedule() {
    if (!this.#frame) this.#frame = requestAnimationFrame(() => this.#render());
  }

  #updateStatus() {
    const n = this.#log.length;
    const count = `${n.toLocaleString('en')} ${n === 1 ? 'line' : 'lines'}`;
    const state = this.#ended ? `, ended: ${this.#ended}` : this.options.feed ? ', live' : '';
    this.status.textContent = count + state;
    this.viewport.setAttribute('aria-label', `${this.options.label ?? 'Log'}, ${count}`);
    this.root.style.setProperty('--lv-digits', String(String(n).length));
  }

  #lineFromHash = () => {
    const n = lineAnchor(location.hash, this.prefix);
    if (n && n !== this.#selected) this.goToLine(n);
    else if (!n && this.#selected) {
      this.#selected = 0;
      this.#render(true);
    }
  };

  #runSearch() {
    this.#search.run(this.searchInput.value, this.#topLine());
    this.#showMatch();
  }

  /** @param {1 | -1} step */
  #moveMatch(step) {
    if (this.searchInput.value !== this.#search.query) this.#search.run(this.searchInput.value, this.#topLine());
    else this.#search.move(step);
    this.#showMatch();
  }

  #topLine() {
    return Math.floor(this.viewport.scrollTop / this.lh);
  }

  #showMatch() {
    this.searchCount.textContent = this.#search.summary();
    const line = this.#search.currentLine();
    if (line !== undefined) {
      this.setFollowing(false);
      this.#reveal(line);
    }
    this.#render(true);
  }

  #download() {
    const url = URL.createObjectURL(new Blob([this.#log.text()], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = this.options.downloadName ?? 'log.txt';
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  #onScroll = () => {
    const { viewport } = this;
    const ours = this.#expectedTop >= 0 && Math.abs(viewport.scrollTop - this.#expectedTop) <= 1;
    this.#expectedTop = -1;
    if (!ours) {
      const atBottom = viewport.scrollTop + viewport.clientHeight >= viewport.scrollHeight - this.lh / 2;
      if (atBottom !== this.#following) this.setFollowing(atBottom);
    }
    this.#schedule();
  };

  /** @param {MouseEvent} event */
  #onClick = (event) => {
    const target = /** @type {Element} */ (event.target);
    const anchor = target.closest('a.lv-n');
    if (anchor && !(event.ctrlKey || event.metaKey || event.shiftKey || event.button)) {
      event.preventDefault();
      const n = Number(anchor.textContent);
      history.pushState(null, '', `#${this.prefix}${n}`);
      this.goToLine(n);
      return;
    }
    const button = target.closest('button');
    if (button === this.followButton) this.setFollowing(!this.#following);
    else if (button === this.timesButton) {
      const on = !this.root.classList.contains('lv-show-times');
      this.root.classList.toggle('lv-show-times', on);
      this.timesButton.setAttribute('aria-pressed', String(on));
    } else if (button?.classList.contains('lv-next')) this.#moveMatch(1);
    else if (button?.classList.contains('lv-prev')) this.#moveMatch(-1);
    else if (button?.classList.contains('lv-download')) this.#download();
  };

  /** @param {KeyboardEvent} event */
  #onSearchKey = (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    clearTimeout(this.#searchTimer);
    this.#moveMatch(event.shiftKey ? -1 : 1);
  };

  #onSearchInput = () => {
    clearTimeout(this.#searchTimer);
    this.#searchTimer = setTimeout(() => this.#runSearch(), 120);
  };
}
