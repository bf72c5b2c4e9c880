import type { ProvisionRecord } from '../../core/provision/provision-record.js';

export type { ProvisionRecord } from '../../core/provision/provision-record.js';

/**
 * The nodes Slipway asked provisioners for (services/core/provision/provision-record.ts), and
 * the lease that lets one capacity loop act at a time.
 *
 * Callers: the capacity loop (`services/executor/capacity/`), which `create`s a record before it
 * asks a provisioner (only the caller that created it asks: one request per waiting step, also
 * across a crash and among replicas), `update`s it at each change and lists them every tick;
 * the callback route, which `update`s a request with the node's report; the executor's
 * wait for a step, which `get`s the request of its service (a failure ends the step with its
 * reason); the status API, dashboard and `/metrics`, which `list`.
 *
 * `lease(holder, ttlMs)` takes or renews the acting lease: true while `holder` holds it; a
 * holder that stops renewing loses it after `ttlMs`. Must tolerate: concurrent `create`s of
 * one id (one wins), replicas racing for the lease (one wins), records read while written, and
 * concurrent `update`s of one record (each applies to what the others wrote: the callback's
 * report and the loop's machine id both stay).
 * Ended records (removed, failed) are kept for a week, for the dashboard.
 */
export interface Provisions {
  /** Stores `record` unless its id exists; true for the one caller that stored it. */
  create(record: ProvisionRecord): Promise<boolean>;
  get(id: string): Promise<ProvisionRecord | undefined>;
  /**
   * Applies `change` to the stored record and stores what it answers, atomically: when another
   * write came between the read and the write, it reads again and applies `change` again, so no
   * caller's change is lost. `change` answers undefined to leave the record as it is (and must
   * not have effects: it may run more than once). Answers what was stored, or undefined when
   * there is no such record or `change` left it.
   */
  update(
    id: string,
    change: (record: ProvisionRecord) => ProvisionRecord | undefined,
  ): Promise<ProvisionRecord | undefined>;
  /** Every record, newest request first (active ones and those ended within the week). */
  list(): Promise<ProvisionRecord[]>;
  lease(holder: string, ttlMs: number): Promise<boolean>;
  /**
   * Records that build `buildId` keeps a workspace on node `nodeId` (SwarmBackend, when a
   * step's checkout lands on a node away from the executor's): the capacity loop does not
   * drain a node an unfinished build still needs, between its steps (an approval, a manual gate).
   */
  holdNode(buildId: string, nodeId: string): Promise<void>;
  /** Forgets the nodes `buildId` held (its workspaces are gone: it was torn down). */
  releaseNodes(buildId: string): Promise<void>;
  /** Every hold: which build keeps a workspace on which node. */
  holds(): Promise<Array<{ buildId: string; nodeId: string }>>;
}
