import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryApprovals } from '../../../services/shared/memory/memory-approvals.js';
import { MemoryManualGates } from '../../../services/shared/memory/memory-manual-gates.js';
import { describeManualGatesConformance } from '../../support/port-conformance/manual-gates.js';
import { MemoryAuditLog } from '../../../services/shared/memory/memory-audit-log.js';
import { MemoryBuildEvents } from '../../../services/shared/memory/memory-build-events.js';
import { MemoryBuildStore } from '../../../services/shared/memory/memory-build-store.js';
import { MemoryCheckLedger } from '../../../services/shared/memory/memory-check-ledger.js';
import { MemoryDeliveryLedger } from '../../../services/shared/memory/memory-delivery-ledger.js';
import { MemoryRedeliveries } from '../../../services/shared/memory/memory-redeliveries.js';
import { MemoryProvisions } from '../../../services/shared/memory/memory-provisions.js';
import { MemoryExecutorPresence } from '../../../services/shared/memory/memory-executor-presence.js';
import { MemoryPermissionCache } from '../../../services/shared/memory/memory-permission-cache.js';
import { MemoryPersonalTokens } from '../../../services/shared/memory/memory-personal-tokens.js';
import { MemorySecretParamStore } from '../../../services/shared/memory/memory-secret-param-store.js';
import { MemoryArtifactStore } from '../../../services/shared/memory/memory-artifact-store.js';
import { FsArtifactStore } from '../../../services/shared/fs/fs-artifact-store.js';
import { MemoryCacheStore } from '../../../services/shared/memory/memory-cache-store.js';
import { FsCacheStore } from '../../../services/shared/fs/fs-cache-store.js';
import { describeCacheStoreConformance } from '../../support/port-conformance/cache-store.js';
import { MemorySessions } from '../../../services/shared/memory/memory-sessions.js';
import { MemoryDeploymentLedger } from '../../../services/shared/memory/memory-deployment-ledger.js';
import { MemoryOutgoingHooks } from '../../../services/shared/memory/memory-outgoing-hooks.js';
import { MemoryLocks } from '../../../services/shared/memory/memory-locks.js';
import { MemoryLogStore } from '../../../services/shared/memory/memory-log-store.js';
import { MemoryMergeQueue } from '../../../services/shared/memory/memory-merge-queue.js';
import { MemoryQueues } from '../../../services/shared/memory/memory-queues.js';
import { MemoryStagingRecords } from '../../../services/shared/memory/memory-staging-records.js';
import { MemoryStatusLedger } from '../../../services/shared/memory/memory-status-ledger.js';
import { MemoryStops } from '../../../services/shared/memory/memory-stops.js';
import { describeApprovalsConformance } from '../../support/port-conformance/approvals.js';
import { describeAuditLogConformance } from '../../support/port-conformance/audit-log.js';
import { describeBuildEventsConformance } from '../../support/port-conformance/build-events.js';
import { describeBuildStoreConformance } from '../../support/port-conformance/build-store.js';
import { describeCheckLedgerConformance } from '../../support/port-conformance/check-ledger.js';
import { describeDeliveryLedgerConformance } from '../../support/port-conformance/delivery-ledger.js';
import { describeRedeliveriesConformance } from '../../support/port-conformance/redeliveries.js';
import { describeProvisionsConformance } from '../../support/port-conformance/provisions.js';
import { describeExecutorPresenceConformance } from '../../support/port-conformance/executor-presence.js';
import { describePermissionCacheConformance } from '../../support/port-conformance/permission-cache.js';
import { describePersonalTokensConformance } from '../../support/port-conformance/personal-tokens.js';
import { describeSecretParamStoreConformance } from '../../support/port-conformance/secret-param-store.js';
import { describeArtifactStoreConformance } from '../../support/port-conformance/artifact-store.js';
import { describeSessionsConformance } from '../../support/port-conformance/sessions.js';
import { describeDeploymentLedgerConformance } from '../../support/port-conformance/deployment-ledger.js';
import { describeOutgoingHooksConformance } from '../../support/port-conformance/outgoing-hooks.js';
import { describeLocksConformance } from '../../support/port-conformance/locks.js';
import { describeLogStoreConformance } from '../../support/port-conformance/log-store.js';
import { describeMergeQueueConformance } from '../../support/port-conformance/merge-queue.js';
import { describeQueuesConformance } from '../../support/port-conformance/queues.js';
import { describeQueueCensusConformance } from '../../support/port-conformance/queue-census.js';
import { describeStagingRecordsConformance } from '../../support/port-conformance/staging-records.js';
import { describeStatusLedgerConformance } from '../../support/port-conformance/status-ledger.js';
import { describeStopsConformance } from '../../support/port-conformance/stops.js';

/** Every port's conformance suite on the in-memory implementations (the same suites run on Redis in ports-redis). */
const memory = 'memory';
describeBuildStoreConformance(memory, async () => new MemoryBuildStore());
describeBuildEventsConformance(memory, async () => {
  const events = new MemoryBuildEvents();
  return { publisher: events, follower: events };
});
describeLogStoreConformance(memory, async () => {
  const store = new MemoryLogStore();
  return { writer: store, reader: store };
});
describeStopsConformance(memory, async () => {
  const stops = new MemoryStops();
  return { stopper: stops, executor: stops };
});
describeStatusLedgerConformance(memory, async () => new MemoryStatusLedger());
describeDeploymentLedgerConformance(memory, async () => new MemoryDeploymentLedger());
describeCheckLedgerConformance(memory, async () => new MemoryCheckLedger());
describeStagingRecordsConformance(memory, async () => new MemoryStagingRecords());
describeApprovalsConformance(memory, async () => new MemoryApprovals());
describeManualGatesConformance(memory, async () => new MemoryManualGates());
describeAuditLogConformance(memory, async () => new MemoryAuditLog());
// One process's locks: every executor of the test is this process.
const locks = new MemoryLocks();
describeLocksConformance(memory, async () => locks);
describeQueuesConformance(memory, async () => {
  const queues = new MemoryQueues();
  return {
    queues,
    read: async (queue, jobId) => {
      const job = queues.job(queue, jobId);
      return job && { payload: job.payload, delayMs: job.delayMs ?? 0 };
    },
  };
});
describeQueueCensusConformance(memory, async () => {
  const queues = new MemoryQueues();
  return { queues, census: queues };
});
describeSessionsConformance(memory, async () => new MemorySessions());
describePersonalTokensConformance(memory, async () => new MemoryPersonalTokens());
describePermissionCacheConformance(memory, async () => new MemoryPermissionCache());
describeDeliveryLedgerConformance(memory, async () => new MemoryDeliveryLedger());
describeMergeQueueConformance(memory, async () => new MemoryMergeQueue());
describeOutgoingHooksConformance(memory, async () => new MemoryOutgoingHooks());
describeSecretParamStoreConformance(memory, async () => {
  const store = new MemorySecretParamStore();
  return { writer: store, reader: store };
});
describeRedeliveriesConformance(memory, async () => {
  const store = new MemoryRedeliveries();
  return [store, store];
});
describeProvisionsConformance(memory, async () => {
  const store = new MemoryProvisions();
  return [store, store];
});
describeExecutorPresenceConformance(memory, async () => {
  const presence = new MemoryExecutorPresence();
  return { executor: presence, reader: presence };
});
describeArtifactStoreConformance(memory, async () => {
  const store = new MemoryArtifactStore();
  return { writer: store, reader: store };
});
// The filesystem store is the default one; a second instance on the same directory stands for the receiver.
describeArtifactStoreConformance('filesystem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-artifacts-'));
  return { writer: new FsArtifactStore(dir), reader: new FsArtifactStore(dir) };
});
describeCacheStoreConformance(memory, async (limits) => {
  const store = new MemoryCacheStore(limits);
  return { writer: store, reader: store };
});
// Two executors on one cache directory.
describeCacheStoreConformance('filesystem', async (limits) => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-caches-'));
  return { writer: new FsCacheStore(dir, limits), reader: new FsCacheStore(dir, limits) };
});
