import type { LogLine } from '../../core/builds/log-line.js';
import type { State } from '../ports/state.js';
import { MemoryApprovals } from './memory-approvals.js';
import { MemoryManualGates } from './memory-manual-gates.js';
import { MemoryAuditLog } from './memory-audit-log.js';
import { publishingBuildStore } from '../publishing-build-store.js';
import { MemoryBuildEvents } from './memory-build-events.js';
import { MemoryBuildStore } from './memory-build-store.js';
import { MemoryCheckLedger } from './memory-check-ledger.js';
import { MemoryDeliveryLedger } from './memory-delivery-ledger.js';
import { MemoryRedeliveries } from './memory-redeliveries.js';
import { MemoryProvisions } from './memory-provisions.js';
import { MemoryDeploymentLedger } from './memory-deployment-ledger.js';
import { MemoryExecutorPresence } from './memory-executor-presence.js';
import { MemoryLocks } from './memory-locks.js';
import { MemoryOutgoingHooks } from './memory-outgoing-hooks.js';
import { MemoryLogStore } from './memory-log-store.js';
import { MemoryMergeQueue } from './memory-merge-queue.js';
import { MemoryPermissionCache } from './memory-permission-cache.js';
import { MemoryPersonalTokens } from './memory-personal-tokens.js';
import { MemoryQueues } from './memory-queues.js';
import { MemorySecretParamStore } from './memory-secret-param-store.js';
import { MemorySessions } from './memory-sessions.js';
import { MemoryStagingRecords } from './memory-staging-records.js';
import { MemoryStatusLedger } from './memory-status-ledger.js';
import { MemoryStops } from './memory-stops.js';

/** Every port in this process's memory, with the concrete types tests read from. */
export interface MemoryState extends State {
  /** The records as stored (the bundle's `builds` publishes through this one). */
  records: MemoryBuildStore;
  events: MemoryBuildEvents;
  logs: MemoryLogStore;
  stops: MemoryStops;
  queues: MemoryQueues;
}

/** Slipway's state in memory: unit tests and `slipway run`. `onLines` sees every step's lines as they come. */
export function memoryState(
  options: { onLines?: (step: string, lines: readonly LogLine[]) => void } = {},
): MemoryState {
  const records = new MemoryBuildStore();
  const events = new MemoryBuildEvents();
  return {
    records,
    events,
    hooks: new MemoryOutgoingHooks(),
    builds: publishingBuildStore(records, events, (err) => {
      throw err;
    }),
    logs: new MemoryLogStore(options.onLines),
    stops: new MemoryStops(),
    statusLedger: new MemoryStatusLedger(),
    deploymentLedger: new MemoryDeploymentLedger(),
    checkLedger: new MemoryCheckLedger(),
    staging: new MemoryStagingRecords(),
    approvals: new MemoryApprovals(),
    gates: new MemoryManualGates(),
    audit: new MemoryAuditLog(),
    locks: new MemoryLocks(),
    queues: new MemoryQueues(),
    sessions: new MemorySessions(),
    tokens: new MemoryPersonalTokens(),
    permissions: new MemoryPermissionCache(),
    deliveries: new MemoryDeliveryLedger(),
    mergeQueue: new MemoryMergeQueue(),
    secretParams: new MemorySecretParamStore(),
    redeliveries: new MemoryRedeliveries(),
    provisions: new MemoryProvisions(),
    presence: new MemoryExecutorPresence(),
  };
}
