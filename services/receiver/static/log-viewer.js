// @ts-check
import { escapeHtml, LogLines, shortTime } from './log-lines.js';
import { forgetMatches, LogSearch, paintMatches } from './log-search.js';
import { lineAnchor, toolbarHtml } from './log-toolbar.js';

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

/**
 * @typedef {object} LogViewer
 * @property {(lines: readonly LogLine[]) => void} append
 * @property {(line: number) => void} goToLine 1-based, as the anchors number lines
 * @property {(on: boolean) => void} setFollowing
 * @property {() => boolean} following
 * @property {() => number} lineCount
 * @property {() => void} destroy
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
 * @returns {LogViewer}
 */
export function mountLogViewer(container, options = {}) {
  const lh = options.lineHeight ?? 20;
  const prefix = options.anchorPrefix ?? 'L';
  const log = new LogLines();
  const search = new LogSearch(log);
  const root = document.createElement('section');
  root.className = 'log-viewer';
  root.style.setProperty('--lv-line-height', `${lh}px`);
  root.innerHTML = toolbarHtml(options.label ?? 'Log');
  container.replaceChildren(root);
  const q = /** @param {string} s */ (s) => /** @type {HTMLElement} */ (root.querySelector(s));
  const viewport = q('.lv-viewport');
  const spacer = q('.lv-spacer');
  const rows = q('.lv-rows');
  const followButton = q('.lv-follow');
  const timesButton = q('.lv-times');
  const searchInput = /** @type {HTMLInputElement} */ (q('.lv-search input'));
  const searchCount = q('.lv-count');
  const status = q('.lv-status');

  let following = options.follow ?? true;
  let selected = 0;
  let pendingLine = 0;
  let shown = { first: -1, last: -1 };
  let frame = 0;
  let ended = '';
  /** The scrollTop this code set last, to tell its own scroll events from the person's. */
  let expectedTop = -1;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let searchTimer;

  const setTop = (/** @type {number} */ top) => {
    const max = Math.max(0, viewport.scrollHeight - viewport.clientHeight);
    expectedTop = Math.min(Math.max(0, Math.round(top)), max);
    viewport.scrollTop = expectedTop;
  };

  /** Shows line `index` (0-based) in the middle of the view, unless it is already in view. */
  const reveal = (/** @type {number} */ index) => {
    spacer.style.height = `${log.length * lh}px`;
    const top = index * lh;
    if (top >= viewport.scrollTop && top + lh <= viewport.scrollTop + viewport.clientHeight) return;
    setTop(top - (viewport.clientHeight - lh) / 2);
  };

  const render = (force = false) => {
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
    const total = log.length;
    spacer.style.height = `${total * lh}px`;
    if (following) setTop(viewport.scrollHeight);
    const top = viewport.scrollTop;
    const first = Math.max(0, Math.floor(top / lh) - OVERSCAN);
    const last = Math.min(total, Math.ceil((top + (viewport.clientHeight || 40 * lh)) / lh) + OVERSCAN);
    if (!force && first === shown.first && last === shown.last) return;
    const focused = document.activeElement?.closest?.('[data-line]');
    const focusedLine = focused && rows.contains(focused) ? /** @type {HTMLElement} */ (focused).dataset.line : '';
    const current = search.currentLine();
    const html = [];
    for (let i = first; i < last; i++) html.push(rowHtml(i, current));
    rows.style.transform = `translateY(${first * lh}px)`;
    rows.innerHTML = html.join('');
    shown = { first, last };
    paintMatches(root, rows, search, first, last);
    if (focusedLine) {
      const again = rows.querySelector(`[data-line="${focusedLine}"] a`);
      (again instanceof HTMLElement ? again : viewport).focus({ preventScroll: true });
    }
  };

  const rowHtml = (/** @type {number} */ i, /** @type {number | undefined} */ current) => {
    const line = log.line(i);
    const n = i + 1;
    const err = line.stream === 'stderr';
    const classes = ['lv-row'];
    if (err) classes.push('lv-err');
    if (n === selected) classes.push('lv-selected');
    if (search.lines.has(i)) classes.push(i === current ? 'lv-match lv-current' : 'lv-match');
    return [
      `<div class="${classes.join(' ')}" id="${prefix}${n}" data-line="${i}">`,
      `<a class="lv-n" href="#${prefix}${n}" aria-label="Line ${n}">${n}</a>`,
      `<time class="lv-t" datetime="${escapeHtml(line.time)}">${escapeHtml(shortTime(line.time))}</time>`,
      err ? '<span class="lv-sr">stderr: </span>' : '',
      `<span class="lv-x">${log.htmlOf(i)}</span></div>`,
    ].join('');
  };

  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(() => render());
  };

  const updateStatus = () => {
    const count = `${log.length.toLocaleString('en')} ${log.length === 1 ? 'line' : 'lines'}`;
    status.textContent = ended ? `${count}, ended: ${ended}` : options.feed ? `${count}, live` : count;
    viewport.setAttribute('aria-label', `${options.label ?? 'Log'}, ${count}`);
    root.style.setProperty('--lv-digits', String(String(log.length).length));
  };

  const setFollowing = (/** @type {boolean} */ on) => {
    following = on;
    followButton.setAttribute('aria-pressed', String(on));
    if (on) render();
  };

  /** Selects 1-based line `n`, scrolls it into view, and stops following. */
  const goToLine = (/** @type {number} */ n) => {
    selected = n;
    setFollowing(false);
    if (n > log.length) {
      pendingLine = n;
      return;
    }
    pendingLine = 0;
    reveal(n - 1);
    render(true);
  };

  const append = (/** @type {readonly LogLine[]} */ lines) => {
    const from = log.length;
    log.push(lines);
    search.extend(from);
    updateStatus();
    if (search.query) searchCount.textContent = search.summary();
    if (pendingLine && pendingLine <= log.length) goToLine(pendingLine);
    else if (following || shown.last >= from) {
      if (frame) cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => render(true));
    } else schedule();
  };

  const lineFromHash = () => {
    const n = lineAnchor(location.hash, prefix);
    if (n && n !== selected) goToLine(n);
    else if (!n && selected) {
      selected = 0;
      render(true);
    }
  };

  const runSearch = () => {
    search.run(searchInput.value, Math.floor(viewport.scrollTop / lh));
    searchCount.textContent = search.summary();
    const line = search.currentLine();
    if (line !== undefined) {
      setFollowing(false);
      reveal(line);
    }
    render(true);
  };

  const moveMatch = (/** @type {1 | -1} */ step) => {
    if (searchInput.value !== search.query) runSearch();
    else search.move(step);
    searchCount.textContent = search.summary();
    const line = search.currentLine();
    if (line === undefined) return;
    setFollowing(false);
    reveal(line);
    render(true);
  };

  const download = () => {
    const url = URL.createObjectURL(new Blob([log.text()], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = options.downloadName ?? 'log.txt';
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  const onScroll = () => {
    const ours = expectedTop >= 0 && Math.abs(viewport.scrollTop - expectedTop) <= 1;
    expectedTop = -1;
    if (!ours) {
      const atBottom = viewport.scrollTop + viewport.clientHeight >= viewport.scrollHeight - lh / 2;
      if (atBottom !== following) setFollowing(atBottom);
    }
    schedule();
  };

  const onClick = (/** @type {MouseEvent} */ event) => {
    const target = /** @type {Element} */ (event.target);
    const anchor = target.closest('a.lv-n');
    if (anchor && !(event.ctrlKey || event.metaKey || event.shiftKey || event.button)) {
      event.preventDefault();
      const n = Number(anchor.textContent);
      history.pushState(null, '', `#${prefix}${n}`);
      goToLine(n);
      return;
    }
    const button = target.closest('button');
    if (button === followButton) setFollowing(!following);
    else if (button === timesButton) {
      const on = !root.classList.contains('lv-show-times');
      root.classList.toggle('lv-show-times', on);
      timesButton.setAttribute('aria-pressed', String(on));
    } else if (button?.classList.contains('lv-next')) moveMatch(1);
    else if (button?.classList.contains('lv-prev')) moveMatch(-1);
    else if (button?.classList.contains('lv-download')) download();
  };

  const onSearchKey = (/** @type {KeyboardEvent} */ event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    clearTimeout(searchTimer);
    moveMatch(event.shiftKey ? -1 : 1);
  };

  const onSearchInput = () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 120);
  };

  const resized = new ResizeObserver(() => render(true));
  viewport.addEventListener('scroll', onScroll, { passive: true });
  root.addEventListener('click', onClick);
  searchInput.addEventListener('keydown', onSearchKey);
  searchInput.addEventListener('input', onSearchInput);
  q('.lv-search').addEventListener('submit', (event) => event.preventDefault());
  addEventListener('hashchange', lineFromHash);
  addEventListener('popstate', lineFromHash);
  resized.observe(viewport);

  log.push(options.lines ?? []);
  updateStatus();
  followButton.setAttribute('aria-pressed', String(following));
  lineFromHash();
  render(true);
  const unsubscribe = options.feed?.subscribe(append, (state) => {
    ended = state;
    updateStatus();
  });

  return {
    append,
    goToLine,
    setFollowing,
    following: () => following,
    lineCount: () => log.length,
    destroy() {
      unsubscribe?.();
      resized.disconnect();
      removeEventListener('hashchange', lineFromHash);
      removeEventListener('popstate', lineFromHash);
      if (frame) cancelAnimationFrame(frame);
      clearTimeout(searchTimer);
      forgetMatches(root);
      root.remove();
    },
  };
}
