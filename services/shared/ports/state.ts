import type { Approvals } from './approvals.js';
import type { ManualGates } from './manual-gates.js';
import type { AuditLog } from './audit-log.js';
import type { BuildEvents } from './build-events.js';
import type { BuildStore } from './build-store.js';
import type { CheckLedger } from './check-ledger.js';
import type { DeliveryLedger } from './delivery-ledger.js';
import type { DeploymentLedger } from './deployment-ledger.js';
import type { ExecutorPresence } from './executor-presence.js';
import type { Locks } from './locks.js';
import type { OutgoingHooks } from './outgoing-hooks.js';
import type { LogStore } from './log-store.js';
import type { MergeQueue } from './merge-queue.js';
import type { PermissionCache } from './permission-cache.js';
import type { PersonalTokens } from './personal-tokens.js';
import type { Queues } from './queues.js';
import type { SecretParamStore } from './secret-param-store.js';
import type { Redeliveries } from './redeliveries.js';
import type { Provisions } from './provisions.js';
import type { Sessions } from './sessions.js';
import type { StagingRecords } from './staging-records.js';
import type { StatusLedger } from './status-ledger.js';
import type { Stops } from './stops.js';

/**
 * Every port for Slipway's state, as one value: `redisState` (shared/redis/) for the
 * services, `memoryState` (shared/memory/) for unit tests and `slipway run`. Handlers are
 * given the ports they use, never the bundle's implementation.
 */
export interface State {
  /** Publishes every change it stores to `events`. */
  builds: BuildStore;
  events: BuildEvents;
  hooks: OutgoingHooks;
  logs: LogStore;
  stops: Stops;
  statusLedger: StatusLedger;
  deploymentLedger: DeploymentLedger;
  checkLedger: CheckLedger;
  staging: StagingRecords;
  approvals: Approvals;
  gates: ManualGates;
  audit: AuditLog;
  locks: Locks;
  queues: Queues;
  sessions: Sessions;
  tokens: PersonalTokens;
  permissions: PermissionCache;
  deliveries: DeliveryLedger;
  mergeQueue: MergeQueue;
  secretParams: SecretParamStore;
  redeliveries: Redeliveries;
  provisions: Provisions;
  presence: ExecutorPresence;
}
