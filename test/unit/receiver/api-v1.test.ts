import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { BuildSummary } from '../../../services/core/builds/build-summary.js';
import type { BuildRecord } from '../../../services/core/builds/record.js';
import type { RequestJob } from '../../../services/shared/queues.js';
import { newPersonalToken } from '../../../services/receiver/auth/secrets.js';
import type { StatusAnswer } from '../../../services/receiver/api-v1/status-route.js';
import { createApp, type AppDeps } from '../../../services/receiver/create-app.js';
import { createLogger } from '../../../services/shared/logger.js';
import { memoryState, type MemoryState } from '../../../services/shared/memory/memory-state.js';
import { MemoryArtifactStore } from '../../../services/shared/memory/memory-artifact-store.js';
import { ApiV1Client, type SseMessage } from '../../support/api-v1-client.js';
import { eventually } from '../../support/eventually.js';
import { buildRecord, lines } from '../../support/port-conformance/fixtures.js';

const TOKEN = 'unit-v1-token';
const SHA = 'b'.repeat(40);

/** `/api/v1` on memory ports with the operator's token; every answer checked against the OpenAPI document. */
describe('the API v1', () => {
  let state: MemoryState;
  let server: Server;
  let api: ApiV1Client;

  async function start(overrides: Partial<AppDeps> = {}): Promise<void> {
    const app = createApp({
      ...state,
      webhookSecret: 'v1-secret',
      github: {
        roleOf: async () => 'none',
        isPrivate: async () => false,
        branchHead: async (_r, b) => (b === 'main' ? SHA : undefined),
      },
      publicUrl: 'http://localhost',
      cloneUrlRewrite: [],
      logger: createLogger('test', true),
      apiToken: TOKEN,
      gitBaseUrl: 'https://github.com/',
      heartbeatMs: 50,
      ...overrides,
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const address = server.address();
    api = new ApiV1Client(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, {
      authorization: `Bearer ${TOKEN}`,
    });
  }

  beforeEach(async () => {
    state = memoryState();
    await start();
  });

  afterEach(async () => {
    expect(api.violations).toEqual([]);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** A build of `repo`, created `minute` minutes into the day. */
  async function seed(id: string, repo: string, minute: number, extra: Partial<BuildRecord> = {}): Promise<void> {
    const at = new Date(Date.UTC(2024, 4, 1, 10, minute)).toISOString();
    const base = buildRecord(id, at, extra);
    const [owner, name] = repo.split('/');
    await state.builds.create({ ...base, request: { ...base.request, repo: { owner: owner!, name: name! } } });
  }

  it('lists failed builds of a repository page by page, newest first, each once', async () => {
    for (let i = 0; i < 23; i++)
      await seed(`b${String(i).padStart(2, '0')}`, i % 2 ? 'acme/web' : 'acme/api', i, {
        state: i % 3 === 0 ? 'failure' : 'success',
      });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api.get<{ builds: BuildSummary[]; next_cursor?: string }>(
        `/builds?repo=acme/api&state=failure&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.builds.map((b) => b.id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    // acme/api has the even builds; failed are those divisible by 3: 0, 6, 12, 18.
    expect(seen).toEqual(['b18', 'b12', 'b06', 'b00']);
    expect(pages).toBeGreaterThanOrEqual(2);
    const all = await api.get<{ builds: BuildSummary[] }>('/builds?limit=100&since=2024-05-01T10:20:00Z');
    expect(all.body.builds.map((b) => b.id)).toEqual(['b22', 'b21', 'b20']);
    expect(all.body.builds[0]).toMatchObject({ repo: 'acme/api', branch: 'master', state: 'success', trigger: 'push' });
  });

  it('answers bad queries, unknown builds and unknown paths with JSON errors', async () => {
    const bad = await api.get<{ error: string }>('/builds?limit=1000');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('bad_request');
    expect((await api.get('/builds?state=nope')).status).toBe(400);
    expect((await api.get('/builds?cursor=!!')).status).toBe(400);
    const missing = await api.get<{ error: string }>('/builds/nope');
    expect(missing).toMatchObject({ status: 404, body: { error: 'not_found' } });
    const anonymous = await api.as({}).get('/builds/nope');
    expect(anonymous.status).toBe(404);
    const unknown = await fetch(`${api.baseUrl}/api/v1/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'not_found' });
  });

  it('shows one build in full, and its step log as text and as JSON lines with numbers and times', async () => {
    await seed('one', 'acme/api', 1, { state: 'failure' });
    await state.logs.append('one', 'unit', lines('hello', 'world'));
    const build = await api.get<{
      id: string;
      stages: unknown[];
      summary: BuildSummary;
      links: Record<string, string>;
    }>('/builds/one');
    expect(build.body).toMatchObject({ id: 'one', summary: { id: 'one', state: 'failure' } });
    expect(build.body.links['log:unit']).toBe('/api/v1/builds/one/steps/unit/log');
    const text = await api.get('/builds/one/steps/unit/log');
    expect(text.text).toBe('10:00:00.000   hello\n10:00:01.000   world\n');
    const jsonl = await api.get('/builds/one/steps/unit/log?format=jsonl');
    expect(jsonl.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    expect(
      jsonl.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { n: 1, ts: '2024-05-01T10:00:00.000Z', stream: 'stdout', text: 'hello' },
      { n: 2, ts: '2024-05-01T10:00:01.000Z', stream: 'stdout', text: 'world' },
    ]);
    expect((await api.get('/builds/one/steps/nope/log')).status).toBe(404);
    expect((await api.get<{ artifacts: unknown[] }>('/builds/one/artifacts')).body).toEqual({ artifacts: [] });
  });

  it("lists a build's artifacts and serves each one's bytes, to those who may read the build only", async () => {
    const artifacts = new MemoryArtifactStore();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await start({ artifacts });
    await seed('kept', 'acme/api', 1, { state: 'success' });
    const binary = Buffer.from([0, 1, 2, 200, 255]);
    await artifacts.put(
      'kept',
      { step: 'unit', stage: 'test' },
      [
        { path: 'dist/app v1.bin', bytes: binary },
        { path: 'coverage/lcov.info', bytes: Buffer.from('TN:\n') },
      ],
      '2024-05-01T10:05:00.000Z',
    );
    const list = await api.get<{ artifacts: Array<{ path: string; url: string }> }>('/builds/kept/artifacts');
    expect(list.body.artifacts).toEqual([
      {
        path: 'coverage/lcov.info',
        size: 4,
        step: 'unit',
        stage: 'test',
        createdAt: '2024-05-01T10:05:00.000Z',
        url: '/api/v1/builds/kept/artifacts/coverage/lcov.info',
      },
      expect.objectContaining({
        path: 'dist/app v1.bin',
        size: 5,
        url: '/api/v1/builds/kept/artifacts/dist/app%20v1.bin',
      }),
    ]);
    const file = await api.getBytes('/builds/kept/artifacts/dist/app%20v1.bin');
    expect(file.status).toBe(200);
    expect(file.bytes).toEqual(binary);
    expect(file.headers.get('content-disposition')).toBe('attachment; filename="app v1.bin"');
    expect((await api.getBytes('/builds/kept/artifacts/dist/nope.bin')).status).toBe(404);
    expect((await api.getBytes('/builds/kept/artifacts/..%2F..%2Fetc%2Fpasswd')).status).toBe(404);
    // Someone who may not read the build gets what an unknown build gets.
    const stranger = api.as({});
    expect((await stranger.get('/builds/kept/artifacts')).status).toBe(404);
    expect((await stranger.getBytes('/builds/kept/artifacts/coverage/lcov.info')).status).toBe(404);
  });

  it('streams a step log live with line ids, resumes after Last-Event-ID with no duplicate', async () => {
    await seed('live', 'acme/api', 1, { state: 'running' });
    await state.logs.append('live', 'unit', lines('one', 'two'));
    const first: SseMessage[] = [];
    const comments: string[] = [];
    // Read two lines, then drop the connection, as a killed curl would.
    await api.stream('/builds/live/steps/unit/log/stream', (m) => first.push(m) < 2, {
      onComment: (c) => comments.push(c),
    });
    expect(first.map((m) => [m.id, (m.data as { text: string }).text])).toEqual([
      ['1', 'one'],
      ['2', 'two'],
    ]);
    await state.logs.append('live', 'unit', lines('three'));
    const resumed: SseMessage[] = [];
    const done = api.stream('/builds/live/steps/unit/log/stream', (m) => void resumed.push(m), {
      lastEventId: first.at(-1)!.id!,
      onComment: (c) => comments.push(c),
    });
    await eventually('the resumed line', () => (resumed.length > 0 ? true : undefined), 5_000);
    await eventually('a heartbeat', () => (comments.includes('heartbeat') ? true : undefined), 5_000);
    const record = (await state.builds.get('live'))!;
    record.stages[0]!.steps[0]!.state = 'success';
    await state.builds.put(record);
    await state.logs.replace('live', 'unit', lines('one', 'two', 'three', 'four'));
    expect(await done).toEqual({ status: 200, ended: true });
    expect(
      resumed.map((m) => [
        m.id,
        m.event,
        (m.data as { text?: string; state?: string }).text ?? (m.data as { state: string }).state,
      ]),
    ).toEqual([
      ['3', undefined, 'three'],
      ['4', undefined, 'four'],
      [undefined, 'end', 'success'],
    ]);
  });

  it('streams build events with ids, and resumes after one', async () => {
    const got: SseMessage[] = [];
    const abort = new AbortController();
    const following = api.stream('/events?repo=acme/api', (m) => void got.push(m), { signal: abort.signal });
    await eventually(
      'the feed to attach',
      async () => {
        await seed(`e${Date.now()}${Math.random()}`.replace('.', ''), 'acme/api', 2);
        return got.length > 0 ? true : undefined;
      },
      5_000,
    );
    await seed('other-repo', 'acme/web', 3);
    await seed('evt', 'acme/api', 3);
    const record = (await state.builds.get('evt'))!;
    record.state = 'running';
    record.stages[0]!.state = 'running';
    await state.builds.put(record);
    await eventually('the stage event', () => (got.some((m) => m.event === 'stage') ? true : undefined), 5_000);
    abort.abort();
    await following;
    const mine = got.filter((m) => (m.data as { buildId: string }).buildId === 'evt');
    expect(mine.map((m) => `${m.event}:${(m.data as { state: string }).state}`)).toEqual([
      'build:queued',
      'build:running',
      'stage:running',
    ]);
    expect(got.some((m) => (m.data as { repo: string }).repo === 'acme/web')).toBe(false);
    const again: SseMessage[] = [];
    const abort2 = new AbortController();
    const resumed = api.stream('/events', (m) => void again.push(m), {
      lastEventId: mine[0]!.id!,
      signal: abort2.signal,
    });
    await eventually('the two after it', () => (again.length >= 2 ? true : undefined), 5_000);
    abort2.abort();
    await resumed;
    expect(again.map((m) => m.id)).toEqual(mine.slice(1).map((m) => m.id));
    expect((await api.get('/events?kind=nope')).status).toBe(400);
  });

  it('re-runs only the failed steps: 202 and a linked request for the same commit', async () => {
    await seed('failed', 'acme/api', 4, {
      state: 'failure',
      stages: [
        {
          name: 'test',
          state: 'failure',
          steps: [
            { key: 'unit', name: 'unit', state: 'success', image: 'x' },
            { key: 'lint', name: 'lint', state: 'failure', image: 'x' },
          ],
        },
      ],
    });
    const rerun = await api.post<{ build: string }>('/builds/failed/rerun', { failed_only: true });
    expect(rerun.status).toBe(202);
    const job = state.queues.jobs('requests').at(-1)!.payload as RequestJob;
    expect(job.request).toMatchObject({ sha: 'a'.repeat(40), rerunOf: { buildId: 'failed', steps: ['lint'] } });
    expect((await api.post('/builds/failed/rerun', { failed_only: 'yes' })).status).toBe(400);
    expect((await api.post('/builds/nope/rerun', {})).status).toBe(404);
    await seed('running', 'acme/api', 5, { state: 'running' });
    expect((await api.post<{ error: string }>('/builds/running/rerun', {})).body.error).toBe('conflict');
  });

  it('triggers a run by branch name, the sha looked up; never approves with the operator token', async () => {
    const made = await api.post<{ build: string }>('/builds', { repo: 'acme/api', ref: 'main', params: { LEVEL: 3 } });
    expect(made.status).toBe(202);
    const job = state.queues.jobs('requests').at(-1)!.payload as RequestJob;
    expect(job.request).toMatchObject({ sha: SHA, ref: 'refs/heads/main', params: { LEVEL: '3' }, event: 'manual' });
    const unknown = await api.post<{ error: string }>('/builds', { repo: 'acme/api', ref: 'nope' });
    expect(unknown).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect((await api.post('/builds', { repo: '../x', ref: 'main' })).status).toBe(400);
    await seed('gate', 'acme/api', 6, { state: 'waiting' });
    const approve = await api.post<{ error: string }>('/builds/gate/approve', {});
    expect(approve).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    expect((await api.post('/builds/gate/cancel')).status).toBe(202);
    expect((await api.as({}).post('/builds/gate/cancel')).status).toBe(401);
  });

  it('says what Slipway is doing: queues, executors with the builds the caller may read, nodes', async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    // mallory may read acme/api, not acme/hidden.
    const roleOf = async (repo: { name: string }) => (repo.name === 'api' ? 'read' : 'none');
    await start({ census: state.queues, github: { roleOf, isPrivate: async () => true } });
    await seed('open', 'acme/api', 1, { state: 'running' });
    await seed('secret', 'acme/hidden', 2, { state: 'running' });
    await state.queues.add('requests', { request: { id: 'r1' } } as unknown as RequestJob, { jobId: 'r1' });
    const node = { id: 'n1', hostname: 'swarm-1', role: 'manager', state: 'ready', availability: 'active', labels: {} };
    await state.presence.report(
      {
        id: 'exec-a',
        hostname: 'swarm-1',
        concurrency: 8,
        builds: ['open', 'secret'],
        nodes: [node],
        seenAt: new Date().toISOString(),
      },
      60_000,
    );
    const asked = (id: string, buildId: string, requestedAt: string) => ({
      id,
      provisioner: 'gpus',
      labels: { pool: 'gpu' },
      reason: { service: `slw-${buildId}-test-1`, buildId, step: 'test', wanted: { pool: 'gpu' } },
      state: 'removed' as const,
      tokenHash: '00'.repeat(32),
      requestedAt,
      joinedAt: '2026-12-02T12:00:05.000Z',
      endedAt: '2026-12-02T12:01:05.000Z',
      hostname: 'gpu-1',
    });
    await state.provisions.create(asked('pr-open', 'open', '2026-12-02T12:00:00.000Z'));
    await state.provisions.create({
      ...asked('pr-secret', 'secret', '2026-12-02T12:10:00.000Z'),
      state: 'failed',
      failure: 'no node with pool=gpu: provisioner "gpus" could not start a node: quota',
    });

    const asOperator = await api.get<StatusAnswer>('/status');
    expect(asOperator.body.provisionedNodes).toEqual([
      expect.objectContaining({
        id: 'pr-secret',
        state: 'failed',
        reason: 'step test of build secret asked for pool=gpu',
        failure: 'no node with pool=gpu: provisioner "gpus" could not start a node: quota',
      }),
      {
        id: 'pr-open',
        provisioner: 'gpus',
        labels: { pool: 'gpu' },
        state: 'removed',
        reason: 'step test of build open asked for pool=gpu',
        buildId: 'open',
        node: 'gpu-1',
        requestedAt: '2026-12-02T12:00:00.000Z',
        joinedAt: '2026-12-02T12:00:05.000Z',
        endedAt: '2026-12-02T12:01:05.000Z',
        ranForSeconds: 60,
      },
    ]);
    expect(asOperator.status).toBe(200);
    expect(asOperator.body.executors).toEqual([
      expect.objectContaining({ id: 'exec-a', concurrency: 8, builds: ['open', 'secret'], otherBuilds: 0 }),
    ]);
    expect(asOperator.body.nodes).toEqual([node]);
    expect(asOperator.body.queues.find((q) => q.queue === 'requests')).toMatchObject({ waiting: 1 });

    // A person without access to acme/hidden sees that a build runs there, not which.
    const made = newPersonalToken();
    await state.tokens.create({
      id: made.id,
      owner: 'mallory',
      name: 't',
      scopes: ['read'],
      secretHash: made.secretHash,
      createdAt: new Date().toISOString(),
    });
    const asPerson = await api.as({ authorization: `Bearer ${made.token}` }).get<StatusAnswer>('/status');
    expect(asPerson.body.executors[0]).toMatchObject({ builds: ['open'], otherBuilds: 1 });
    expect(asPerson.body.provisionedNodes[0]).toMatchObject({ reason: 'a build you may not read asked for pool=gpu' });
    expect(asPerson.body.provisionedNodes[0]!.buildId).toBeUndefined();
    expect((await api.as({}).get('/status')).status).toBe(401);

    await state.presence.leave('exec-a');
    expect((await api.get<StatusAnswer>('/status')).body.executors).toEqual([]);
  });

  it('serves its OpenAPI document', async () => {
    const served = await api.get('/openapi.json');
    expect(served.body).toEqual(JSON.parse(readFileSync('schemas/api-v1.openapi.json', 'utf8')));
  });
});
