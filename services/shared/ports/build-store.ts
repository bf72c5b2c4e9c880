import type { BuildRecord } from '../../core/builds/record.js';

/**
 * Build records: what the API, the dashboard and the statuses' links show.
 *
 * Callers, in order: the planner `create`s a record (a request planned twice creates it
 * once), the executor `get`s it when a build job starts and `put`s it after every change,
 * the approver `put`s the decisions on it; the API reads with `get` and `recent`, the
 * executor's reaper with `get`.
 *
 * Each build has one writer at a time (the planner, then the executor that holds its job),
 * so `put` replaces without merging. Must tolerate: `create` called twice for one id
 * (the second is refused, the record unchanged) and by concurrent planners (exactly one
 * wins); a restarted store (Redis with AOF) keeps what it accepted. Records are copies:
 * changing a returned record changes nothing stored.
 */
export interface BuildStore {
  /** Stores a new build; false when one with this id exists (a request planned twice). */
  create(record: BuildRecord): Promise<boolean>;
  get(id: string): Promise<BuildRecord | undefined>;
  /** Replaces the record (created or not). */
  put(record: BuildRecord): Promise<void>;
  /** The newest builds first (by `createdAt`), at most `count`. */
  recent(count: number): Promise<BuildRecord[]>;
  /**
   * A page of builds, newest first: of one repository (`owner/name`) when `repo` is given,
   * after `cursor` (exclusive; undefined = from the newest), at most `count`. `cursor` in the
   * answer is where the next page starts, undefined when there is no more. A build created
   * while paging never makes a page repeat or skip one already listed. For the API's list.
   */
  scan(query: BuildScan): Promise<{ builds: BuildRecord[]; cursor?: string }>;
}

export interface BuildScan {
  repo?: string;
  cursor?: string;
  count: number;
}
