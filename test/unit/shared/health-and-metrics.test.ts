import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { recordForPlan } from '../../../services/core/builds/record-for-plan.js';
import type { BuildRecord } from '../../../services/core/builds/record.js';
import { createGitHub } from '../../../services/shared/github.js';
import { startHealthServer } from '../../../services/shared/health/health-server.js';
import type { ReadinessCheck } from '../../../services/shared/health/readiness.js';
import { createLogger } from '../../../services/shared/logger.js';
import { memoryState } from '../../../services/shared/memory/memory-state.js';
import { censusRefresher } from '../../../services/shared/metrics/census.js';
import { meteredBuildStore } from '../../../services/shared/metrics/metered-build-store.js';
import { createMetrics, metrics, type SlipwayMetrics } from '../../../services/shared/metrics/metrics.js';
import { GitHubStandIn, serverError } from '../../support/github-stand-in.js';
import { MEMORY_RECEIVER_SECRET, startMemoryReceiver, type MemoryReceiver } from '../../support/memory-receiver.js';
import { planOf, step } from '../../support/plan-fixtures.js';
import { pushPayload, signedHeaders } from '../../support/webhook-payloads.js';

const SECRET = MEMORY_RECEIVER_SECRET;
const logger = createLogger('test', true);

/** The value of one sample in Prometheus text, or undefined when it is not there. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',');
    if (wanted.every((w) => have.includes(w))) return Number(match[3]);
  }
  return undefined;
}

describe('/healthz, /readyz and /metrics on the receiver', () => {
  let receiver: MemoryReceiver;
  let base: string;
  let redisUp = true;
  const own = createMetrics();
  const checks: ReadinessCheck[] = [
    {
      name: 'redis',
      check: async () => {
        if (!redisUp) throw new Error('Redis is not connected (reconnecting)');
      },
    },
  ];

  beforeAll(async () => {
    const state = memoryState();
    receiver = await startMemoryReceiver(
      {
        health: {
          checks,
          metrics: own,
          beforeScrape: censusRefresher(own, { census: state.queues, approvals: state.approvals, logger }),
        },
      },
      state,
    );
    base = receiver.base;
  });
  afterAll(() => receiver.close());
  afterEach(() => {
    redisUp = true;
  });

  it('says alive without a token, and ready only while its checks answer, with the reason when not', async () => {
    const alive = await fetch(`${base}/healthz`);
    expect(alive.status).toBe(200);
    expect(await alive.json()).toEqual({ ok: true });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: [{ name: 'redis', ok: true }] });
    redisUp = false;
    const down = await fetch(`${base}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({
      ready: false,
      checks: [{ name: 'redis', ok: false, reason: 'Redis is not connected (reconnecting)' }],
    });
    // Still alive: restarting the process would not bring Redis back.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('counts webhooks by event and outcome, and never by a made-up event name of an unsigned post', async () => {
    const post = (event: string, body: string, secret: string | undefined, delivery: string) =>
      fetch(`${base}/webhooks`, {
        method: 'POST',
        headers: secret
          ? signedHeaders(event, body, secret, delivery)
          : { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': delivery },
        body,
      });
    const push = JSON.stringify(
      pushPayload({
        owner: 'acme',
        repo: 'api',
        cloneUrl: 'https://github.com/acme/api.git',
        branch: 'main',
        before: '1'.repeat(40),
        after: 'a'.repeat(40),
      }),
    );
    expect((await post('push', push, SECRET, 'd-1')).status).toBe(202);
    expect((await post('ping', JSON.stringify({ zen: 'Keep it simple.' }), SECRET, 'd-2')).status).toBe(200);
    expect((await post('surely_not_an_event', push, undefined, 'd-3')).status).toBe(401);
    expect((await post('push', push, 'wrong-secret', 'd-4')).status).toBe(401);

    const text = await (await fetch(`${base}/metrics`)).text();
    expect(sample(text, 'slipway_webhooks_total', { event: 'push', outcome: 'accepted' })).toBe(1);
    expect(sample(text, 'slipway_webhooks_total', { event: 'ping', outcome: 'ping' })).toBe(1);
    expect(sample(text, 'slipway_webhooks_total', { event: 'unverified', outcome: 'refused' })).toBe(2);
    expect(text).not.toContain('surely_not_an_event');
  });

  it('shows the queues (depth, the oldest waiting job) and the approvals waiting at the scrape', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    // The push above is one request waiting in memory (nothing runs it here).
    expect(sample(text, 'slipway_queue_jobs', { queue: 'requests', state: 'waiting' })).toBe(1);
    expect(sample(text, 'slipway_queue_jobs', { queue: 'builds', state: 'waiting' })).toBe(0);
    expect(sample(text, 'slipway_queue_oldest_waiting_seconds', { queue: 'requests' })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'slipway_queue_oldest_waiting_seconds', { queue: 'builds' })).toBe(0);
    expect(sample(text, 'slipway_approvals_waiting')).toBe(0);
    expect((await fetch(`${base}/metrics`)).headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});

describe('the health server of processes without the receiver', () => {
  it('serves the same three routes on a port of its own, with the process metrics', async () => {
    let docker = false;
    const running = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      logger,
      metrics: metrics(),
      checks: [
        { name: 'redis', check: async () => undefined },
        {
          name: 'docker',
          check: async () => {
            if (!docker) throw new Error('the Docker API did not answer: ENOENT');
          },
        },
        // A check that never answers counts as failed, and /readyz still answers.
        { name: 'hangs', check: () => new Promise<void>(() => undefined) },
      ],
    });
    try {
      const base = `http://127.0.0.1:${running.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const down = await fetch(`${base}/readyz`);
      expect(down.status).toBe(503);
      const body = (await down.json()) as { checks: Array<{ name: string; ok: boolean; reason?: string }> };
      expect(body.checks).toEqual([
        { name: 'redis', ok: true },
        { name: 'docker', ok: false, reason: 'the Docker API did not answer: ENOENT' },
        { name: 'hangs', ok: false, reason: 'hangs did not answer within 2000 ms' },
      ]);
      docker = true;
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(text).toContain('# TYPE slipway_build_duration_seconds histogram');
      expect((await fetch(`${base}/nothing`)).status).toBe(404);
    } finally {
      await running.close();
    }
  });
});

describe('the metered build store', () => {
  const plan = planOf('https://github.com/acme/api.git', 'c'.repeat(40), [
    { name: 'test', steps: [step('unit', ['true']), step('lint', ['true'])] },
  ]);
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, s)).toISOString();
  const text = async (m: SlipwayMetrics) => m.registry.metrics();

  it('observes each step and the build once when they end, counts running steps and step retries', async () => {
    const m = createMetrics();
    const store = meteredBuildStore(memoryState().builds, m);
    const record: BuildRecord = recordForPlan(plan, at(0));
    await store.create(record);
    const [unit, lint] = record.stages[0]!.steps;
    Object.assign(record, { state: 'running', startedAt: at(0) });
    Object.assign(unit!, { state: 'running', startedAt: at(1), attempt: 1 });
    Object.assign(lint!, { state: 'running', startedAt: at(1), attempt: 1 });
    await store.put(record);
    expect(sample(await text(m), 'slipway_steps_running')).toBe(2);

    Object.assign(unit!, { state: 'success', finishedAt: at(4) });
    Object.assign(lint!, { attempt: 2, startedAt: at(5) }); // an infrastructure error, tried again
    await store.put(record);
    Object.assign(lint!, { state: 'failure', finishedAt: at(65), exitCode: 1 });
    Object.assign(record, { state: 'failure', finishedAt: at(70) });
    await store.put(record);
    await store.put(record); // written again (the approver, a retry): counted once

    const out = await text(m);
    expect(sample(out, 'slipway_steps_running')).toBe(0);
    expect(sample(out, 'slipway_step_duration_seconds_count', { outcome: 'success' })).toBe(1);
    expect(sample(out, 'slipway_step_duration_seconds_sum', { outcome: 'success' })).toBe(3);
    expect(sample(out, 'slipway_step_duration_seconds_count', { outcome: 'failure' })).toBe(1);
    expect(sample(out, 'slipway_step_duration_seconds_bucket', { outcome: 'failure', le: '30' })).toBe(0);
    expect(sample(out, 'slipway_step_duration_seconds_bucket', { outcome: 'failure', le: '60' })).toBe(1);
    expect(sample(out, 'slipway_build_duration_seconds_count', { outcome: 'failure' })).toBe(1);
    expect(sample(out, 'slipway_build_duration_seconds_sum', { outcome: 'failure' })).toBe(70);
    expect(sample(out, 'slipway_retries_total', { queue: 'step', cause: 'infrastructure' })).toBe(1);
    // Reads pass through.
    expect((await store.get(plan.buildId))?.state).toBe('failure');
  });
});

describe('GitHub calls in the metrics', () => {
  let standIn: GitHubStandIn;
  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1', token: 'metrics-token' });
    await standIn.createRepo('octo-org', 'metered');
  });
  afterAll(async () => standIn?.stop());

  it('counts requests by outcome and keeps the rate limit GitHub said was left', async () => {
    const github = createGitHub(standIn.apiUrl, { token: 'metrics-token' }, undefined, { retries: 0 });
    const before = await metrics().registry.getSingleMetricAsString('slipway_github_requests_total');
    const count = (text: string, outcome: string) =>
      sample(text, 'slipway_github_requests_total', { method: 'GET', outcome }) ?? 0;
    const sha = await standIn.commit('octo-org', 'metered', 'main', { '.buildspec.yml': 'test: []\n' });
    await github.fileAt({ owner: 'octo-org', name: 'metered' }, '.buildspec.yml', sha);
    standIn.failNext(1, serverError(502));
    await expect(github.fileAt({ owner: 'octo-org', name: 'metered' }, '.buildspec.yml', sha)).rejects.toThrow();
    const after = await metrics().registry.getSingleMetricAsString('slipway_github_requests_total');
    expect(count(after, '2xx') - count(before, '2xx')).toBe(1);
    expect(count(after, '5xx') - count(before, '5xx')).toBe(1);
    const left = await metrics().registry.getSingleMetricAsString('slipway_github_rate_limit_remaining');
    expect(sample(left, 'slipway_github_rate_limit_remaining', { resource: 'core' })).toBeLessThan(5_000);
  });
});
