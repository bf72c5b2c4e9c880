import type { LogLine } from './log-line.js';

/**
 * What one reader of a step's log has been given, by index into the stored log: `take`
 * returns only the lines it has not seen, so a reader fed from the stored log and from live
 * announcements (which say where their lines start) skips none it could have and repeats none.
 */
export class LogCursor {
  private given = 0;

  /** Of `lines`, which start at index `from` of the log, those past what this reader was given. */
  take(lines: readonly LogLine[], from: number): LogLine[] {
    const fresh = lines.slice(Math.max(0, this.given - from));
    this.given = Math.max(this.given, from + lines.length);
    return fresh;
  }
}
