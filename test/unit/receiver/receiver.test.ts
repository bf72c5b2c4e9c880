import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Server } from 'node:http';
import { recordForPlan } from '../../../services/core/builds/record-for-plan.js';
import { createApp, type AppDeps } from '../../../services/receiver/create-app.js';
import { createLogger } from '../../../services/shared/logger.js';
import { memoryState, type MemoryState } from '../../../services/shared/memory/memory-state.js';
import { planOf, step } from '../../support/plan-fixtures.js';
import { lines } from '../../support/port-conformance/fixtures.js';
import { examplePayload, pullRequestPayload, pushPayload, signedHeaders } from '../../support/webhook-payloads.js';

const SECRET = 'unit-receiver-secret';
const TOKEN = 'unit-api-token';

/** The receiver's app on memory ports: real signed payloads in, jobs and stops out. */
describe('the receiver', () => {
  let state: MemoryState;
  let server: Server | undefined;
  let base: string;

  async function start(overrides: Partial<AppDeps> = {}): Promise<void> {
    const app = createApp({
      ...state,
      webhookSecret: SECRET,
      github: { roleOf: async () => 'none', isPrivate: async () => true },
      publicUrl: 'http://localhost',
      cloneUrlRewrite: [{ from: 'https://github.com/', to: 'git://mirror/' }],
      logger: createLogger('test', true),
      apiToken: TOKEN,
      gitBaseUrl: 'https://github.com/',
      ...overrides,
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  beforeEach(async () => {
    state = memoryState();
    await start();
  });

  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  afterAll(() => undefined);

  const deliver = (event: string, payload: unknown, delivery: string, secret = SECRET) => {
    const body = JSON.stringify(payload);
    return fetch(`${base}/webhooks`, { method: 'POST', headers: signedHeaders(event, body, secret, delivery), body });
  };
  const push = () =>
    pushPayload({
      owner: 'acme',
      repo: 'api',
      cloneUrl: 'https://github.com/acme/api.git',
      branch: 'master',
      before: '1'.repeat(40),
      after: 'a'.repeat(40),
    });

  it('answers a signed push with 202 and queues its request under the delivery id, once', async () => {
    const delivery = 'd0000000-0000-4000-8000-00000000000a';
    const first = await deliver('push', push(), delivery);
    expect(first.status).toBe(202);
    const body = (await first.json()) as { accepted: boolean; build: string };
    expect(body).toEqual({ accepted: true, build: expect.stringMatching(/^b[0-9a-f]{11}$/) });
    const jobs = state.queues.jobs('requests');
    expect(jobs.map((j) => j.jobId)).toEqual([delivery]);
    expect(jobs[0]!.payload.request).toMatchObject({
      id: delivery,
      event: 'push',
      repo: { owner: 'acme', name: 'api' },
      sha: 'a'.repeat(40),
      ref: 'refs/heads/master',
      cloneUrl: 'git://mirror/acme/api.git',
    });
    // GitHub redelivers: the same answer, nothing new queued.
    const again = await deliver('push', push(), delivery);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual(body);
    expect(state.queues.jobs('requests')).toHaveLength(1);
  });

  it('refuses a missing or wrong signature with 401 and queues nothing', async () => {
    const body = JSON.stringify(push());
    const unsigned = await fetch(`${base}/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'd-unsigned' },
      body,
    });
    expect(unsigned.status).toBe(401);
    expect((await deliver('push', push(), 'd-wrong', 'not-the-secret')).status).toBe(401);
    const headers = signedHeaders('push', body, SECRET, 'd-tampered');
    const tampered = await fetch(`${base}/webhooks`, { method: 'POST', headers, body: body.replace('acme', 'evil') });
    expect(tampered.status).toBe(401);
    expect(state.queues.jobs('requests')).toEqual([]);
  });

  it('answers 503 when the request cannot be queued, so GitHub shows the delivery failed', async () => {
    await new Promise((resolve) => server?.close(resolve));
    await start({
      queues: {
        add: async () => {
          throw new Error('Redis is down');
        },
      },
    });
    const res = await deliver('push', push(), 'd-redis-down');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: 'could not queue the build request; redeliver later' });
  });

  it('cancels the newest build of a pull request that was closed', async () => {
    const repo = { owner: 'acme', name: 'api' };
    await state.stops.supersedeOlder(repo, 'refs/pull/21/head', 'b-older', '1111111aaaa');
    await state.stops.supersedeOlder(repo, 'refs/pull/21/head', 'b-newest', '2222222bbbb');
    const closed = pullRequestPayload({
      owner: 'acme',
      repo: 'api',
      action: 'closed',
      number: 21,
      headSha: 'c'.repeat(40),
      baseRef: 'master',
    });
    const res = await deliver('pull_request', closed, 'd-closed');
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ cancelled: 'b-newest', reason: 'pull request #21 was closed' });
    expect(await state.stops.reasons('b-newest')).toEqual({ cancelled: 'pull request #21 was closed' });
    expect(state.queues.jobs('requests')).toEqual([]);
  });

  it('queues an /approve comment on a pull request as a decision', async () => {
    // The example comment is on an issue; the same on a pull request carries `issue.pull_request`.
    const comment = examplePayload('issue_comment', (p) => p.action === 'created');
    comment.issue.pull_request = { url: `https://api.github.com/repos/acme/api/pulls/${comment.issue.number}` };
    comment.comment.body = '/approve';
    const res = await deliver('issue_comment', comment, 'd-approve');
    expect(res.status).toBe(202);
    expect(state.queues.jobs('approvals')).toEqual([
      expect.objectContaining({
        jobId: 'approval-d-approve',
        payload: expect.objectContaining({
          kind: 'decision',
          decision: 'approve',
          via: 'comment',
          pullRequest: comment.issue.number,
        }),
      }),
    ]);
  });

  it('cancels a build through the API, with the bearer token, unless it is over', async () => {
    const plan = planOf('https://github.com/acme/api.git', 'a'.repeat(40), [
      { name: 'test', steps: [step('unit', ['true'])] },
    ]);
    await state.builds.create({ ...recordForPlan(plan, '2024-05-01T10:00:00.000Z'), state: 'running' });
    const cancel = (token: string) =>
      fetch(`${base}/builds/${plan.buildId}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect((await cancel('wrong')).status).toBe(401);
    expect(await state.stops.reasons(plan.buildId)).toEqual({});
    const res = await cancel(TOKEN);
    expect(res.status).toBe(202);
    expect(await state.stops.reasons(plan.buildId)).toEqual({ cancelled: 'cancelled by operator through the API' });
    await state.builds.put({ ...(await state.builds.get(plan.buildId))!, state: 'cancelled' });
    expect((await cancel(TOKEN)).status).toBe(409);
  });

  it('streams a step’s log live: stored lines first, each new line once, then the end', async () => {
    const plan = planOf('https://github.com/acme/api.git', 'a'.repeat(40), [
      { name: 'test', steps: [step('unit', ['true'])] },
    ]);
    const record = { ...recordForPlan(plan, '2024-05-01T10:00:00.000Z'), state: 'running' as const };
    await state.builds.create(record);
    await state.logs.append(plan.buildId, 'unit', lines('$ make', 'compiling'));
    const res = await fetch(`${base}/builds/${plan.buildId}/steps/unit/log/stream`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (part: string) => {
      while (!text.includes(part)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before "${part}": ${text}`);
        text += Buffer.from(value).toString('utf8');
      }
    };
    await readUntil('compiling');
    await state.logs.append(plan.buildId, 'unit', lines('$ make', 'compiling', 'linking').slice(2));
    await readUntil('linking');
    record.stages[0]!.steps[0]!.state = 'success';
    await state.builds.put(record);
    await state.logs.replace(plan.buildId, 'unit', lines('$ make', 'compiling', 'linking', 'done'));
    await readUntil('event: end');
    const data = text
      .split('\n\n')
      .filter((event) => event.startsWith('id: '))
      .map((event) => (JSON.parse(event.split('\ndata: ')[1]!) as { text: string }).text);
    expect(data).toEqual(['$ make', 'compiling', 'linking', 'done']);
    expect(text).toContain('event: end\ndata: {"state":"success"}');
  });
});
