import type { LogLine } from '../../core/builds/log-line.js';

/** What a live follower is given: the lines it had not seen, and whether the step is over. */
export interface LogUpdate {
  lines: readonly LogLine[];
  /** The log was replaced by the complete one: nothing more will come. */
  done: boolean;
}

/**
 * Step logs and their live fan-out.
 *
 * Callers, in order: the executor `append`s lines as a step prints them (one writer per
 * step), then `replace`s the log with the complete one read after the step ended (secret
 * values already masked in both); the API `read`s a log, and its live stream `follow`s one.
 *
 * `follow` resolves once the follower is attached, and by then has given it every stored
 * line; after that it gets each appended line once, and on `replace` the lines past those
 * it was given, with `done`. Lines are counted by their index in the stored log, so a
 * follower never gets a line twice, even when an announcement and the stored log overlap.
 * Must tolerate: followers on other processes than the writer (the receiver follows what an
 * executor writes); many followers of one step; an announcement that is not understood
 * (dropped and logged, never a crash); `replace` of a log that was never appended to.
 * Announcements are best effort: the stored log is the record.
 */
export interface LogStore {
  /** Appends lines to a step's log as they are printed, and announces them to followers. */
  append(buildId: string, step: string, lines: readonly LogLine[]): Promise<void>;
  /** Replaces a step's log with the complete one, and tells followers the step is over. */
  replace(buildId: string, step: string, lines: readonly LogLine[]): Promise<void>;
  read(buildId: string, step: string): Promise<LogLine[]>;
  /** Follows a step's log; resolves to the function that stops following. */
  follow(buildId: string, step: string, listener: (update: LogUpdate) => void): Promise<() => void>;
}
