// @ts-check
/** @typedef {import('./log-lines.js').LogLine} LogLine */

/**
 * A live source of log lines. The viewer calls `subscribe` once, after showing the lines it
 * was given; `onLines` gets the lines that follow, in order, each once; `onEnd` is called
 * once when the step is over, with its state. The returned function stops the feed.
 * @typedef {{
 *   subscribe(onLines: (lines: LogLine[]) => void, onEnd: (state: string) => void): () => void
 * }} LogFeed
 */

/**
 * The feed of a step's live log stream, `GET /builds/:id/steps/:step/log/stream`: each SSE
 * message is one line (`{"time","stream","text"}`), and `event: end` carries `{"state"}`.
 * That stream starts with the lines already stored, so give the viewer no lines of its own
 * with it. When the connection drops, EventSource reconnects and the server sends the log
 * after the last line it had (EventSource sends `Last-Event-ID`, each message's id being its
 * line number); a line already delivered is skipped either way, so none repeats.
 * @param {string} url
 * @returns {LogFeed}
 */
export function eventSourceFeed(url) {
  return {
    subscribe(onLines, onEnd) {
      const source = new EventSource(url);
      let delivered = 0;
      let seen = 0;
      source.addEventListener('open', () => {
        seen = 0;
      });
      source.addEventListener('message', (event) => {
        // Each message's id is its line number; a server that resumes after Last-Event-ID
        // starts past `delivered`, one that replays from line 1 is skipped up to it.
        const n = Number(/** @type {MessageEvent<string>} */ (event).lastEventId) || (seen += 1);
        seen = n;
        if (n <= delivered) return;
        delivered = n;
        onLines([/** @type {LogLine} */ (JSON.parse(event.data))]);
      });
      source.addEventListener('end', (event) => {
        source.close();
        const data = /** @type {MessageEvent<string>} */ (event).data;
        onEnd(/** @type {{ state?: string }} */ (JSON.parse(data)).state ?? 'done');
      });
      return () => source.close();
    },
  };
}
