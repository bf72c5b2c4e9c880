import type { Logger } from '../logger.js';
import type { QueueCensus } from '../ports/queue-census.js';
import type { State } from '../ports/state.js';
import { redactedRedis } from '../redis-target.js';
import type { Running } from '../service.js';
import type { Redis } from 'ioredis';
import { clientConnection, connectionOptions, workerConnection } from './connections.js';
import { RedisApprovals } from './redis-approvals.js';
import { RedisManualGates } from './redis-manual-gates.js';
import { RedisAuditLog } from './redis-audit-log.js';
import { publishingBuildStore } from '../publishing-build-store.js';
import { RedisBuildEvents } from './redis-build-events.js';
import { RedisBuildStore } from './redis-build-store.js';
import { RedisCheckLedger } from './redis-check-ledger.js';
import { RedisDeliveryLedger } from './redis-delivery-ledger.js';
import { RedisDeploymentLedger } from './redis-deployment-ledger.js';
import { RedisExecutorPresence } from './redis-executor-presence.js';
import { RedisLocks } from './redis-locks.js';
import { RedisOutgoingHooks } from './redis-outgoing-hooks.js';
import { RedisLogStore } from './redis-log-store.js';
import { RedisMergeQueue } from './redis-merge-queue.js';
import { RedisPermissionCache } from './redis-permission-cache.js';
import { RedisPersonalTokens } from './redis-personal-tokens.js';
import { RedisQueues } from './redis-queues.js';
import { RedisSecretParamStore } from './redis-secret-param-store.js';
import { RedisRedeliveries } from './redis-redeliveries.js';
import { RedisProvisions } from './redis-provisions.js';
import { RedisSessions } from './redis-sessions.js';
import { RedisStagingRecords } from './redis-staging-records.js';
import { RedisStatusLedger } from './redis-status-ledger.js';
import { RedisStops } from './redis-stops.js';
import { Subscriptions } from './subscriptions.js';

/** Every port on one Redis, and what it holds open. */
export interface RedisState extends State, Running {
  /** Resolves once Redis answers; rejects, saying where, when it does not. */
  ready(): Promise<void>;
  /** Resolves when Redis answers a PING within `timeoutMs` (default 1 s); rejects saying why (readiness checks). */
  ping(timeoutMs?: number): Promise<void>;
  /** The queues counted (metrics, status). */
  census: QueueCensus;
}

/**
 * Slipway's state in Redis, for the services. One command connection: `failFast` for what
 * answers people (the receiver: a webhook that cannot be queued gets an error answer at
 * once), else one that waits for Redis to come back (workers). A subscriber connection is
 * opened when something first listens (live logs, stops).
 */
export function redisState(url: string, options: { logger: Logger; failFast?: boolean; role?: string }): RedisState {
  const role = options.role ?? 'state';
  const redis = options.failFast ? clientConnection(url, role) : workerConnection(url, role);
  const subscriptions = new Subscriptions(() => workerConnection(url, `${role}-subscriber`), options.logger);
  // Behind Sentinels a job is acknowledged once a replica has it too (see RedisQueues).
  const sentinel = connectionOptions(url).target.kind === 'sentinel';
  const wait = { replicas: 1, timeoutMs: 1_000, strict: options.failFast === true };
  const queues = new RedisQueues(redis, options.logger, sentinel ? wait : undefined);
  const events = new RedisBuildEvents(redis, () => workerConnection(url, `${role}-events`), options.logger);
  const builds = publishingBuildStore(new RedisBuildStore(redis), events, (err, buildId) =>
    options.logger.error('build events not published; the record is stored', { buildId, err }),
  );
  return {
    builds,
    events,
    hooks: new RedisOutgoingHooks(redis),
    logs: new RedisLogStore(redis, subscriptions, options.logger),
    stops: new RedisStops(redis, subscriptions),
    statusLedger: new RedisStatusLedger(redis),
    deploymentLedger: new RedisDeploymentLedger(redis),
    checkLedger: new RedisCheckLedger(redis),
    staging: new RedisStagingRecords(redis),
    approvals: new RedisApprovals(redis),
    gates: new RedisManualGates(redis),
    audit: new RedisAuditLog(redis),
    locks: new RedisLocks(redis),
    queues,
    census: queues,
    sessions: new RedisSessions(redis),
    tokens: new RedisPersonalTokens(redis),
    permissions: new RedisPermissionCache(redis),
    deliveries: new RedisDeliveryLedger(redis),
    mergeQueue: new RedisMergeQueue(redis),
    secretParams: new RedisSecretParamStore(redis),
    redeliveries: new RedisRedeliveries(redis),
    provisions: new RedisProvisions(redis),
    presence: new RedisExecutorPresence(redis),
    ready: () =>
      new Promise<void>((resolve, reject) => {
        if (redis.status === 'ready') return resolve();
        redis.once('ready', resolve);
        redis.once('error', (err: Error) =>
          reject(new Error(`Redis at ${redactedRedis(url)} did not answer: ${err.message}`)),
        );
      }),
    ping: (timeoutMs = 1_000) => pingWithin(redis, timeoutMs),
    async close() {
      await queues.close();
      subscriptions.close();
      events.close();
      redis.disconnect();
    },
  };
}

/** PING with a deadline: a connection that waits for Redis to come back would otherwise hang. */
async function pingWithin(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status !== 'ready') throw new Error(`Redis is not connected (${redis.status})`);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer PING within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([redis.ping(), late]);
  } finally {
    clearTimeout(timer);
  }
}
