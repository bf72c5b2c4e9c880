import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../../services/shared/logger.js';
import { createLogger } from '../../services/shared/logger.js';
import { JOB_OPTIONS, QUEUES, type QueueName } from '../../services/shared/queues.js';
import { KEYS } from '../../services/shared/redis/keys.js';
import { redisState, type RedisState } from '../../services/shared/redis/redis-state.js';
import { startWorker } from '../../services/shared/redis/start-worker.js';
import { PermanentError } from '../../services/core/errors/slipway-error.js';
import { describeApprovalsConformance } from '../support/port-conformance/approvals.js';
import { describeManualGatesConformance } from '../support/port-conformance/manual-gates.js';
import { describeAuditLogConformance } from '../support/port-conformance/audit-log.js';
import { describeBuildEventsConformance } from '../support/port-conformance/build-events.js';
import { describeBuildStoreConformance } from '../support/port-conformance/build-store.js';
import { describeCheckLedgerConformance } from '../support/port-conformance/check-ledger.js';
import { describeDeliveryLedgerConformance } from '../support/port-conformance/delivery-ledger.js';
import { describeRedeliveriesConformance } from '../support/port-conformance/redeliveries.js';
import { describeProvisionsConformance } from '../support/port-conformance/provisions.js';
import { describeExecutorPresenceConformance } from '../support/port-conformance/executor-presence.js';
import { describePermissionCacheConformance } from '../support/port-conformance/permission-cache.js';
import { describePersonalTokensConformance } from '../support/port-conformance/personal-tokens.js';
import { describeSecretParamStoreConformance } from '../support/port-conformance/secret-param-store.js';
import { describeSessionsConformance } from '../support/port-conformance/sessions.js';
import { describeDeploymentLedgerConformance } from '../support/port-conformance/deployment-ledger.js';
import { lines, uniqueId } from '../support/port-conformance/fixtures.js';
import { RedisLocks } from '../../services/shared/redis/redis-locks.js';
import { describeOutgoingHooksConformance } from '../support/port-conformance/outgoing-hooks.js';
import { describeLocksConformance } from '../support/port-conformance/locks.js';
import { describeLogStoreConformance } from '../support/port-conformance/log-store.js';
import { describeMergeQueueConformance } from '../support/port-conformance/merge-queue.js';
import { describeQueuesConformance } from '../support/port-conformance/queues.js';
import { describeQueueCensusConformance } from '../support/port-conformance/queue-census.js';
import { describeStagingRecordsConformance } from '../support/port-conformance/staging-records.js';
import { describeStatusLedgerConformance } from '../support/port-conformance/status-ledger.js';
import { describeStopsConformance } from '../support/port-conformance/stops.js';
import { eventually } from '../support/eventually.js';
import { freshRedisUrl } from '../support/slipway-harness.js';

/** A logger that keeps what it was told, for the adapters' own complaints. */
function recordingLogger(): Logger & { said: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> } {
  const said: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    void said.push({ level, msg, ...(fields ? { fields } : {}) });
  const logger = { said, info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

let url: string;
let raw: Redis;
/** Several clients of one Redis, as several Slipway processes are. */
const states: RedisState[] = [];
let turn = 0;
const logger = recordingLogger();
/** Empties the test's database, so each test of a suite starts on an empty store. */
const fresh = async () => void (await raw.flushdb());
const client = () => states[turn++ % states.length]!;

beforeAll(async () => {
  url = await freshRedisUrl(12);
  raw = new Redis(url, { maxRetriesPerRequest: 1 });
  for (let i = 0; i < 3; i++) states.push(redisState(url, { logger, role: `test-${i}` }));
  await Promise.all(states.map((s) => s.ready()));
});

afterAll(async () => {
  for (const state of states) await state.close();
  raw?.disconnect();
});

/** Every port's conformance suite, on real Redis (the same suites run on memory in the unit tests). */
const redis = 'Redis';
describeBuildStoreConformance(redis, async () => (await fresh(), client().builds));
describeBuildEventsConformance(redis, async () => ({ publisher: states[0]!.events, follower: states[1]!.events }));
describeLogStoreConformance(redis, async () => (await fresh(), { writer: states[0]!.logs, reader: states[1]!.logs }));
describeStopsConformance(redis, async () => (await fresh(), { stopper: states[0]!.stops, executor: states[1]!.stops }));
describeSessionsConformance(redis, async () => (await fresh(), client().sessions));
describePersonalTokensConformance(redis, async () => (await fresh(), client().tokens));
describePermissionCacheConformance(redis, async () => (await fresh(), client().permissions));
describeExecutorPresenceConformance(
  redis,
  async () => (await fresh(), { executor: states[0]!.presence, reader: states[1]!.presence }),
);
describeDeliveryLedgerConformance(redis, async () => (await fresh(), client().deliveries));
describeSecretParamStoreConformance(
  redis,
  async () => (await fresh(), { writer: states[0]!.secretParams, reader: states[1]!.secretParams }),
);
describeRedeliveriesConformance(redis, async () => (await fresh(), states.map((s) => s.redeliveries)));
describeProvisionsConformance(redis, async () => (await fresh(), states.map((s) => s.provisions)));
describeStatusLedgerConformance(redis, async () => (await fresh(), client().statusLedger));
describeDeploymentLedgerConformance(redis, async () => (await fresh(), client().deploymentLedger));
describeCheckLedgerConformance(redis, async () => (await fresh(), client().checkLedger));
describeStagingRecordsConformance(redis, async () => (await fresh(), client().staging));
describeApprovalsConformance(redis, async () => (await fresh(), client().approvals));
describeManualGatesConformance(redis, async () => (await fresh(), client().gates));
describeAuditLogConformance(redis, async () => (await fresh(), client().audit));
describeMergeQueueConformance(redis, async () => (await fresh(), client().mergeQueue));
describeOutgoingHooksConformance(redis, async () => (await fresh(), client().hooks));
describeLocksConformance(
  redis,
  async () => client().locks,
  // An executor of its own that dies while it waits: its connection goes, and it polls no more.
  async () => {
    const connection = new Redis(url, { maxRetriesPerRequest: 1 });
    return {
      locks: new RedisLocks(connection, { pollMs: 100, waitingLeaseMs: 1_000 }),
      die: async () => connection.disconnect(),
    };
  },
);
describeQueuesConformance(redis, async () => {
  await fresh();
  return {
    queues: client().queues,
    read: async (queue, jobId) => {
      const job = await bullQueue(queue, (q) => q.getJob(jobId));
      return job ? { payload: job.data, delayMs: job.opts.delay ?? 0 } : undefined;
    },
  };
});

describeQueueCensusConformance(redis, async () => {
  await fresh();
  const state = client();
  return { queues: state.queues, census: state.census };
});

/** Runs `use` on a BullMQ queue of the test's database, then closes it. */
async function bullQueue<T>(queue: QueueName, use: (q: Queue) => Promise<T>): Promise<T> {
  const q = new Queue(QUEUES[queue], { connection: raw });
  try {
    return await use(q);
  } finally {
    await q.close();
  }
}

describe('the Redis adapters beyond the ports’ contracts', () => {
  it('drops a live log message it does not understand, says so, and goes on delivering', async () => {
    const build = uniqueId('b');
    const given: string[] = [];
    const stop = await states[1]!.logs.follow(build, 'unit', (u) => given.push(...u.lines.map((l) => l.text)));
    for (const garbage of ['not json', '{"end":"x","lines":[]}', 'null', '{"end":1,"lines":[{"text":1}]}'])
      await raw.publish(KEYS.logChannel(build, 'unit'), garbage);
    await states[0]!.logs.append(build, 'unit', lines('still here'));
    await eventually('the good line', () => (given.length > 0 ? true : undefined), 10_000);
    expect(given).toEqual(['still here']);
    const dropped = logger.said.filter((s) => s.msg.startsWith('live log message dropped'));
    expect(dropped.map((d) => d.fields?.text)).toEqual(
      expect.arrayContaining(['not json', 'null', '{"end":"x","lines":[]}']),
    );
    stop();
  });

  it('keeps following and listening for stops after the subscriber connection is cut (a Redis restart)', async () => {
    const build = uniqueId('b');
    const given: string[] = [];
    const heard: string[] = [];
    const stopLog = await states[2]!.logs.follow(build, 'unit', (u) => given.push(...u.lines.map((l) => l.text)));
    const stopListening = await states[2]!.stops.onStop((id) => heard.push(id));
    const list = (await raw.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
    const ids = list
      .split('\n')
      .filter((line) => line.includes('name=slipway-test-2-subscriber'))
      .map((line) => /id=(\d+)/.exec(line)![1]!);
    expect(ids).toHaveLength(1);
    await raw.call('CLIENT', 'KILL', 'ID', ids[0]!);
    // The connection comes back and subscribes again by itself; announcements made meanwhile are lost.
    await eventually(
      'the follower to be back',
      async () => {
        await states[0]!.logs.append(build, 'unit', lines('after the cut'));
        await states[0]!.stops.cancel(build, 'why not');
        return given.length > 0 && heard.length > 0 ? true : undefined;
      },
      15_000,
    );
    expect(given.every((text) => text === 'after the cut')).toBe(true);
    expect(heard.every((id) => id === build)).toBe(true);
    stopLog();
    await stopListening();
  });

  it("queues BullMQ jobs with the queue's attempts and backoff", async () => {
    const jobId = uniqueId('req-');
    await states[0]!.queues.add('approvals', { kind: 'expire', buildId: 'b1' }, { jobId, delayMs: 60_000 });
    const job = await bullQueue('approvals', (q) => q.getJob(jobId));
    expect(job?.name).toBe('expire');
    expect(job?.opts).toMatchObject({
      attempts: JOB_OPTIONS.approvals.attempts,
      backoff: JOB_OPTIONS.approvals.backoff,
      delay: 60_000,
    });
  });

  it('runs a plain handler per job, and gives up at once on a permanent error', async () => {
    const seen: Array<{ buildId: string; id: string; attempt: number }> = [];
    const gaveUp: string[] = [];
    const worker = startWorker(
      'approvals',
      url,
      async (payload, job) => {
        if (payload.kind !== 'expire') return 'ignored';
        seen.push({ buildId: payload.buildId, ...job });
        throw new PermanentError('github-refused', 'no retry can help');
      },
      {
        logger: createLogger('test', true),
        failure: 'failed',
        concurrency: 1,
        onGiveUp: async (payload, err) => void gaveUp.push(`${payload.kind} ${err.code} ${err.message}`),
      },
    );
    try {
      await states[0]!.queues.add('approvals', { kind: 'expire', buildId: 'b-final' }, { jobId: uniqueId('j-') });
      await eventually('the give-up', () => (gaveUp.length > 0 ? true : undefined), 15_000);
      expect(seen).toEqual([{ buildId: 'b-final', id: expect.any(String), attempt: 1 }]);
      expect(gaveUp).toEqual(['expire github-refused no retry can help']);
    } finally {
      await worker.close();
    }
  });
});
