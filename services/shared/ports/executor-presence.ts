/** A node of the swarm as an executor's engine reports it (`GET /nodes`). */
export interface SwarmNodeView {
  id: string;
  hostname: string;
  /** `manager` or `worker`. */
  role: string;
  /** `ready`, `down`, `unknown`, `disconnected`. */
  state: string;
  /** `active`, `pause`, `drain`. */
  availability: string;
  /** The node's labels (placement: `node_labels` in the spec). */
  labels: Record<string, string>;
}

/** What one executor says about itself on every heartbeat. */
export interface ExecutorReport {
  /** Unique per executor process (hostname and pid). */
  id: string;
  hostname: string;
  /** How many builds it runs at once at most. */
  concurrency: number;
  /** The ids of the builds it runs now. */
  builds: string[];
  /** The swarm's nodes as its engine saw them; empty when its engine is not a manager. */
  nodes: SwarmNodeView[];
  /** When it said so (ISO 8601). */
  seenAt: string;
}

/**
 * The executors alive, for `GET /api/v1/status` and `slipway status`: each executor reports
 * itself every few seconds with a time to live; one that stops reporting (killed, its node
 * lost) drops out once that time has passed, one that stops cleanly `leave`s at once.
 *
 * Callers: the executor (`reportPresence`, services/executor/report-presence.ts) `report`s and
 * `leave`s; the receiver's status route `list`s. Must tolerate: reports from many executors at
 * once; an executor that never leaves (its entry expires); a store restart (an empty list
 * until the next heartbeats).
 */
export interface ExecutorPresence {
  /** Stores the report, replacing the executor's last one, for `ttlMs`. */
  report(report: ExecutorReport, ttlMs: number): Promise<void>;
  /** Removes the executor's report. */
  leave(id: string): Promise<void>;
  /** The reports not yet expired, by executor id. */
  list(): Promise<ExecutorReport[]>;
}
