import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BuildSummary } from '../../services/core/builds/build-summary.js';
import { recordForPlan } from '../../services/core/builds/record-for-plan.js';
import type { BuildRequest } from '../../services/core/builds/types.js';
import { runBuild } from '../../services/executor/run-build.js';
import { startOutgoing } from '../../services/outgoing/start-outgoing.js';
import { createApp } from '../../services/receiver/create-app.js';
import { sha256 } from '../../services/receiver/auth/secrets.js';
import { createLogger } from '../../services/shared/logger.js';
import { QUEUES, type RequestJob } from '../../services/shared/queues.js';
import { redisState, type RedisState } from '../../services/shared/redis/redis-state.js';
import type { Running } from '../../services/shared/service.js';
import { ApiV1Client, type SseMessage } from '../support/api-v1-client.js';
import { eventually } from '../support/eventually.js';
import { planOf, step } from '../support/plan-fixtures.js';
import { runtimeFor } from '../unit/executor/runtime-fixtures.js';
import { freshRedisUrl } from '../support/slipway-harness.js';

const OPERATOR = 'api-v1-operator-token';
const TOKEN_ID = 'apiv1maya001';
const TOKEN_SECRET = 'm'.repeat(43);
const PERSONAL = `slw_${TOKEN_ID}_${TOKEN_SECRET}`;
const HOOK_SECRET = 'a-hook-secret-of-some-length';

/** A URL that records what it is sent, answering `status` (or hanging while `hold` is set). */
async function receiver(status: number) {
  const got: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { got, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server };
}

/**
 * The API v1 as a new user meets it, on real Redis, BullMQ and HTTP: a personal token lists
 * failed builds page by page, follows a step's log live and resumes it after a dropped
 * connection without a duplicate line, re-runs only the failed steps (run by the executor's
 * runtime on the fake backend); a subscribed URL receives signed events in order, and one
 * answering 500 gets retries while builds go on. Every answer is checked against the
 * OpenAPI document.
 */
describe('the API v1 on Redis', () => {
  let state: RedisState;
  let outgoing: Running;
  let server: Server;
  let api: ApiV1Client;
  let operator: ApiV1Client;
  let url: string;
  const logger = createLogger('test', true);

  beforeAll(async () => {
    url = await freshRedisUrl(14);
    state = redisState(url, { logger, role: 'api-v1-test' });
    await state.ready();
    await state.tokens.create({
      id: TOKEN_ID,
      owner: 'maya',
      name: 'curl',
      scopes: ['read', 'trigger', 'cancel'],
      secretHash: sha256(TOKEN_SECRET),
      createdAt: new Date().toISOString(),
    });
    const app = createApp({
      ...state,
      webhookSecret: 'api-v1-webhooks',
      github: { roleOf: async () => 'write', isPrivate: async () => true },
      publicUrl: 'http://slipway.test',
      cloneUrlRewrite: [],
      logger,
      apiToken: OPERATOR,
      gitBaseUrl: 'https://github.com/',
      heartbeatMs: 200,
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    api = new ApiV1Client(base, { authorization: `Bearer ${PERSONAL}` });
    operator = api.as({ authorization: `Bearer ${OPERATOR}` });
    outgoing = startOutgoing({ redisUrl: url, publicUrl: base }, logger);
  });

  afterAll(async () => {
    expect(api?.violations).toEqual([]);
    await outgoing?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await state?.close();
  });

  /** Runs a build of `acme/shop` on the fake backend, with Redis as its state. */
  async function runOnce(flaky: string, request?: BuildRequest, buildId?: string) {
    const plan = planOf('x', 'c'.repeat(40), [
      { name: 'test', steps: [step('unit', ['echo unit ok']), step('flaky', ['echo line 1', 'echo line 2', flaky])] },
      { name: 'deploy', steps: [step('ship', ['echo shipped'])] },
    ]);
    plan.request = { ...(request ?? plan.request), repo: { owner: 'acme', name: 'shop' } };
    if (buildId) plan.buildId = buildId;
    const runtime = runtimeFor(plan, { builds: state.builds, logs: state.logs });
    await state.builds.create(recordForPlan(plan, new Date().toISOString()));
    return { plan, runtime, state: await runBuild(plan, runtime.deps) };
  }

  it('delivers signed events of a build in order; a URL answering 500 is retried while builds go on', async () => {
    const good = await receiver(200);
    const bad = await receiver(500);
    const made = await operator.post<{ id: string; secret: string }>('/hooks', {
      url: good.url,
      secret: HOOK_SECRET,
      repo: 'acme/shop',
    });
    expect(made.status).toBe(201);
    const failing = await operator.post<{ id: string }>('/hooks', {
      url: bad.url,
      secret: HOOK_SECRET,
      kinds: ['build'],
    });
    expect((await operator.get<{ hooks: unknown[] }>('/hooks')).body.hooks).toHaveLength(2);
    // The dispatcher may attach after a first event: wait until it hands events on at all.
    await eventually(
      'the dispatcher',
      async () => {
        await runOnce('true');
        return good.got.length > 0 ? true : undefined;
      },
      30_000,
    );
    const before = good.got.length;
    const { plan, state: outcome } = await runOnce('true');
    expect(outcome).toBe('success');
    const mine = () =>
      good.got
        .slice(before)
        .map((d) => ({ d, e: JSON.parse(d.body) as { buildId: string; kind: string; state: string; step?: string } }))
        .filter((x) => x.e.buildId === plan.buildId);
    await eventually(
      'the build to be delivered',
      () => (mine().some((x) => x.e.kind === 'build' && x.e.state === 'success') ? true : undefined),
      30_000,
    );
    for (const { d } of mine()) {
      expect(d.headers['x-slipway-signature-256']).toBe(
        `sha256=${createHmac('sha256', HOOK_SECRET).update(d.body).digest('hex')}`,
      );
    }
    const order = mine().map((x) => `${x.e.kind}:${x.e.step ?? ''}:${x.e.state}`);
    expect(order[0]).toBe('build::queued');
    expect(order.indexOf('build::running')).toBeLessThan(order.indexOf('step:unit:running'));
    expect(order.indexOf('step:unit:running')).toBeLessThan(order.indexOf('step:unit:success'));
    expect(order.at(-1)).toBe('build::success');
    // The failing URL: the same delivery tried again (same id), recorded each time; the builds above did not wait.
    const attemptsOf = () => {
      const count = new Map<string, number>();
      for (const g of bad.got.filter((x) => x.body.includes(plan.buildId))) {
        const id = String(g.headers['x-slipway-delivery']);
        count.set(id, (count.get(id) ?? 0) + 1);
      }
      return Math.max(0, ...count.values());
    };
    await eventually('a retry of one delivery', () => (attemptsOf() >= 2 ? true : undefined), 60_000);
    const deliveries = await operator.get<{
      deliveries: Array<{ id: string; ok: boolean; status: number; attempt: number }>;
    }>(`/hooks/${failing.body.id}/deliveries`);
    expect(deliveries.body.deliveries.some((d) => !d.ok && d.status === 500 && d.attempt >= 2)).toBe(true);
    const delivered = await operator.get<{ deliveries: Array<{ id: string }> }>(`/hooks/${made.body.id}/deliveries`);
    const redo = await operator.post(`/hooks/${made.body.id}/deliveries/${delivered.body.deliveries[0]!.id}/redeliver`);
    expect(redo.status).toBe(202);
    expect((await api.get('/hooks')).status).toBe(403);
    await operator.request('DELETE', `/hooks/${failing.body.id}`);
    good.server.close();
    bad.server.close();
  });

  it('lists failed builds by page, follows a log, resumes it with no duplicate, re-runs failed steps', async () => {
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await runOnce('exit 3'));
    expect(runs.every((r) => r.state === 'failure')).toBe(true);
    const seen: BuildSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.get<{ builds: BuildSummary[]; next_cursor?: string }>(
        `/builds?repo=acme/shop&state=failure&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.builds);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen.map((b) => b.id)).toEqual(runs.map((r) => r.plan.buildId).reverse());

    const failed = runs.at(-1)!.plan.buildId;
    // Follow the failed step's log, drop the connection after the first line, resume.
    const first: SseMessage[] = [];
    await api.stream(`/builds/${failed}/steps/flaky/log/stream`, (m) => first.push(m) < 1);
    const rest: SseMessage[] = [];
    const end = await api.stream(`/builds/${failed}/steps/flaky/log/stream`, (m) => void rest.push(m), {
      lastEventId: first[0]!.id!,
    });
    expect(end.ended).toBe(true);
    const texts = [...first, ...rest].filter((m) => m.event !== 'end').map((m) => (m.data as { text: string }).text);
    const full = (await api.get(`/builds/${failed}/steps/flaky/log?format=jsonl`)).text
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { text: string }).text);
    expect(texts).toEqual(full);
    expect(new Set([...first, ...rest].map((m) => m.id).filter(Boolean)).size).toBe(full.length);
    expect(rest.at(-1)).toMatchObject({ event: 'end', data: { state: 'failure' } });

    const rerun = await api.post<{ build: string }>(`/builds/${failed}/rerun`, { failed_only: true });
    expect(rerun.status).toBe(202);
    const queue = new Queue(QUEUES.requests, { connection: { url } });
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
    await queue.close();
    const job = jobs.map((j) => j.data as RequestJob).find((d) => d.request.rerunOf?.buildId === failed)!;
    expect(job.request.rerunOf).toEqual({ buildId: failed, steps: ['flaky', 'ship'] });
    const again = await runOnce('true', job.request, rerun.body.build);
    expect(again.state).toBe('success');
    const shown = await api.get<{
      stages: Array<{ steps: Array<{ key: string; state: string; reason?: string }> }>;
      rerunOf: { buildId: string };
    }>(`/builds/${rerun.body.build}`);
    expect(shown.body.rerunOf.buildId).toBe(failed);
    expect(shown.body.stages.flatMap((s) => s.steps.map((st) => `${st.key}:${st.state}`))).toEqual([
      'unit:skipped',
      'flaky:success',
      'ship:success',
    ]);
    expect(again.runtime.backend.started.some((n) => n.includes('-unit-'))).toBe(false);
  });
});
