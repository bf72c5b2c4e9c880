import type { ProvisionRecord } from '../../core/provision/provision-record.js';

export type { ProvisionRecord } from '../../core/provision/provision-record.js';

/**
 * The nodes Slipway asked provisioners for (services/core/provision/provision-record.ts), and
 * the lease that lets one capacity loop act at a time.
 *
 * Callers: the capacity loop (`services/executor/capacity/`), which `create`s a record before it
 * asks a provisioner (only the caller that created it asks: one request per waiting step, also
 * across a crash and among replicas), `put`s each change and lists them every tick; the
 * callback route, which `get`s a request and `put`s the node's report on it; the executor's
 * wait for a step, which `get`s the request of its service (a failure ends the step with its
 * reason); the status API, dashboard and `/metrics`, which `list`.
 *
 * `lease(holder, ttlMs)` takes or renews the acting lease: true while `holder` holds it; a
 * holder that stops renewing loses it after `ttlMs`. Must tolerate: concurrent `create`s of
 * one id (one wins), replicas racing for the lease (one wins), records read while written.
 * Ended records (removed, failed) are kept for a week, for the dashboard.
 */
export interface Provisions {
  /** Stores `record` unless its id exists; true for the one caller that stored it. */
  create(record: ProvisionRecord): Promise<boolean>;
  get(id: string): Promise<ProvisionRecord | undefined>;
  put(record: ProvisionRecord): Promise<void>;
  /** Every record, newest request first (active ones and those ended within the week). */
  list(): Promise<ProvisionRecord[]>;
  lease(holder: string, ttlMs: number): Promise<boolean>;
}
