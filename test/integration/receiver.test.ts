import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Server } from 'node:http';
import { createApp } from '../../services/receiver/create-app.js';
import { createLogger } from '../../services/shared/logger.js';
import { QUEUES, type RequestJob } from '../../services/shared/queues.js';
import { redisState, type RedisState } from '../../services/shared/redis/redis-state.js';
import { examplePayload, pushPayload, signedHeaders } from '../support/webhook-payloads.js';
import { freshRedisUrl } from '../support/slipway-harness.js';

const SECRET = 'receiver-secret';

describe('POST /webhooks against real Redis', () => {
  let state: RedisState;
  let redis: Redis;
  let requests: Queue<RequestJob>;
  let server: Server;
  let url: string;
  const deps = (webhookSecret: string) => ({
    ...state,
    webhookSecret,
    github: { roleOf: async () => 'none', isPrivate: async () => true },
    publicUrl: 'http://localhost',
    cloneUrlRewrite: [],
    logger: createLogger('test', true),
    apiToken: '',
    gitBaseUrl: 'https://github.com/',
  });

  beforeAll(async () => {
    const redisUrl = await freshRedisUrl(2);
    state = redisState(redisUrl, { logger: createLogger('test', true), failFast: true });
    await state.ready();
    // To read back what was queued.
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    requests = new Queue<RequestJob>(QUEUES.requests, { connection: redis });
    const app = createApp(deps(SECRET));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/webhooks`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await requests.close();
    await state.close();
    redis.disconnect();
  });

  const post = (event: string, payload: unknown, delivery: string, secret = SECRET, body = JSON.stringify(payload)) =>
    fetch(url, { method: 'POST', headers: signedHeaders(event, body, secret, delivery), body });
  const jobs = async () => Object.values(await requests.getJobCounts()).reduce((a, b) => a + b, 0);
  const push = () =>
    pushPayload({
      owner: 'acme',
      repo: 'api',
      cloneUrl: 'https://github.com/acme/api.git',
      branch: 'master',
      before: '1'.repeat(40),
      after: 'a'.repeat(40),
    });

  it('queues one job per delivery id, even when GitHub redelivers it', async () => {
    const before = await jobs();
    const first = await post('push', push(), 'd0000000-0000-4000-8000-000000000001');
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ accepted: true, build: expect.stringMatching(/^b[0-9a-f]{11}$/) });
    expect((await post('push', push(), 'd0000000-0000-4000-8000-000000000001')).status).toBe(202);
    expect(await jobs()).toBe(before + 1);
    const job = await requests.getJob('d0000000-0000-4000-8000-000000000001');
    expect(job?.data.request).toMatchObject({
      repo: { owner: 'acme', name: 'api' },
      sha: 'a'.repeat(40),
      ref: 'refs/heads/master',
    });
  });

  it('refuses a missing or wrong signature with 401 and queues nothing', async () => {
    const before = await jobs();
    const body = JSON.stringify(push());
    const unsigned = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'd-unsigned' },
      body,
    });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toEqual({ error: 'missing X-Hub-Signature-256 header' });
    expect((await post('push', push(), 'd-wrong', 'other-secret')).status).toBe(401);
    // A body changed after signing is refused too.
    const headers = signedHeaders('push', body, SECRET, 'd-tampered');
    expect((await fetch(url, { method: 'POST', headers, body: body.replace('acme', 'evil') })).status).toBe(401);
    expect(await jobs()).toBe(before);
  });

  it('answers 400 to a signed body that is not JSON', async () => {
    const res = await post('push', undefined, 'd-bad-json', SECRET, '{"ref": ');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'body is not valid JSON' });
  });

  it('answers ping with 200 and ignores events it does not use with 202', async () => {
    const ping = await post('ping', examplePayload('ping'), 'd-ping');
    expect(ping.status).toBe(200);
    expect(await ping.json()).toMatchObject({ ok: true });
    const before = await jobs();
    const star = await post('star', examplePayload('star'), 'd-star');
    expect(star.status).toBe(202);
    expect(await star.json()).toEqual({ ignored: 'event "star" starts no build' });
    const deletion = await post(
      'push',
      examplePayload('push', (p) => p.deleted === true),
      'd-delete',
    );
    expect(deletion.status).toBe(202);
    expect(((await deletion.json()) as { ignored: string }).ignored).toMatch(/was deleted/);
    expect(await jobs()).toBe(before);
  });

  it('refuses to start without a webhook secret', () => {
    expect(() => createApp(deps(''))).toThrow(/webhook secret is required/);
  });
});
