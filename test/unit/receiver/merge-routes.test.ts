import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Server } from 'node:http';
import { newPersonalToken } from '../../../services/receiver/auth/secrets.js';
import { createApp } from '../../../services/receiver/create-app.js';
import { createLogger } from '../../../services/shared/logger.js';
import { memoryState, type MemoryState } from '../../../services/shared/memory/memory-state.js';
import { queuedPull } from '../../support/port-conformance/merge-queue.js';

const OPERATOR = 'merge-routes-operator';
const ROLES: Record<string, string> = { walt: 'write', rita: 'read' };

/** The merge queue's API on memory ports: who may ask, what is queued for the merger, what is shown. */
describe('the merge queue API', () => {
  let state: MemoryState;
  let server: Server | undefined;
  let base: string;

  beforeEach(async () => {
    state = memoryState();
    const app = createApp({
      ...state,
      webhookSecret: 'merge-routes-secret',
      github: { roleOf: async (_repo, user) => ROLES[user] ?? 'none', isPrivate: async () => true },
      publicUrl: 'http://localhost',
      cloneUrlRewrite: [],
      logger: createLogger('test', true),
      apiToken: OPERATOR,
      gitBaseUrl: 'https://github.com/',
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  async function tokenOf(login: string): Promise<string> {
    const made = newPersonalToken();
    await state.tokens.create({
      id: made.id,
      owner: login,
      name: 'test',
      scopes: ['read', 'trigger'],
      secretHash: made.secretHash,
      createdAt: new Date().toISOString(),
    });
    return made.token;
  }
  const post = (path: string, body: unknown, token: string) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('queues /merge and /merge cancel for the merger as the token owner', async () => {
    const walt = await tokenOf('walt');
    const res = await post('/api/v1/merge-queue', { repo: 'acme/app', pull_request: 7 }, walt);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ queueing: 7, by: 'walt' });
    await post('/api/v1/merge-queue', { repo: 'acme/app', pull_request: 7, cancel: true }, walt);
    expect(state.queues.jobs('merges').map((j) => j.payload)).toEqual([
      expect.objectContaining({ kind: 'command', command: 'merge', user: 'walt', via: 'api', pullRequest: 7 }),
      expect.objectContaining({ kind: 'command', command: 'cancel', user: 'walt' }),
    ]);
  });

  it('refuses the operator token, people without write permission and bad bodies', async () => {
    expect((await post('/api/v1/merge-queue', { repo: 'acme/app', pull_request: 7 }, OPERATOR)).status).toBe(403);
    const rita = await tokenOf('rita');
    expect((await post('/api/v1/merge-queue', { repo: 'acme/app', pull_request: 7 }, rita)).status).toBe(404);
    const walt = await tokenOf('walt');
    expect((await post('/api/v1/merge-queue', { repo: 'acme', pull_request: 7 }, walt)).status).toBe(400);
    expect((await post('/api/v1/merge-queue', { repo: 'acme/app', pull_request: '7' }, walt)).status).toBe(400);
    expect((await post('/api/v1/promotions', { repo: 'acme/app', sha: 'abc' }, walt)).status).toBe(400);
    expect(state.queues.jobs('merges')).toEqual([]);
  });

  it('queues a promotion of a sha as the person asking', async () => {
    const walt = await tokenOf('walt');
    const sha = 'a'.repeat(40);
    const res = await post('/api/v1/promotions', { repo: 'acme/app', sha }, walt);
    expect(res.status).toBe(202);
    expect(state.queues.jobs('merges').map((j) => j.payload)).toEqual([
      expect.objectContaining({ kind: 'promote', owner: 'acme', repo: 'app', sha, user: 'walt' }),
    ]);
  });

  it('shows each base queue with places to those who may read it', async () => {
    await state.mergeQueue.enqueue(queuedPull(3));
    await state.mergeQueue.enqueue({ ...queuedPull(4), shown: 'pending: 2nd in line to merge into master' });
    await state.mergeQueue.enqueue(queuedPull(9, 'production'));
    const walt = await tokenOf('walt');
    const res = await fetch(`${base}/api/v1/merge-queue?repo=acme/app`, {
      headers: { authorization: `Bearer ${walt}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { queues: Record<string, Array<{ pull_request: number; position: number }>> };
    expect(Object.keys(body.queues)).toEqual(['master', 'production']);
    expect(body.queues.master!.map((e) => [e.pull_request, e.position])).toEqual([
      [3, 1],
      [4, 2],
    ]);
    expect(body.queues.master![1]).toMatchObject({ status: 'pending: 2nd in line to merge into master' });
    expect((await fetch(`${base}/api/v1/merge-queue?repo=acme/app`)).status).toBe(404);
  });
});
