import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { recordForPlan } from '../../../services/core/builds/record-for-plan.js';
import { newPersonalToken } from '../../../services/receiver/auth/secrets.js';
import { parkedGate } from '../../support/port-conformance/manual-gates.js';
import { startMemoryReceiver, type MemoryReceiver } from '../../support/memory-receiver.js';

/** The API of manual test gates on memory ports: deciding as yourself, and cancelling a held build. */
describe('the manual test gate routes', () => {
  let receiver: MemoryReceiver;
  let tess: string;
  const held = parkedGate('9'.repeat(40));
  const id = held.request.buildId;

  beforeAll(async () => {
    receiver = await startMemoryReceiver({ publicReads: true });
    const { state } = receiver;
    const request = { ...held.plan.request, private: false };
    await state.builds.create({
      ...recordForPlan({ ...held.plan, request }, held.request.requestedAt),
      state: 'waiting',
      gate: held.request,
    });
    await state.gates.park(held);
    const made = newPersonalToken();
    await state.tokens.create({
      id: made.id,
      owner: 'tess',
      name: 't',
      scopes: ['read', 'approve'],
      secretHash: made.secretHash,
      createdAt: 'now',
    });
    tess = made.token;
  });

  afterAll(async () => {
    await receiver?.close();
  });

  const post = (path: string, token: string, body: unknown) =>
    fetch(`${receiver.base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('records a pass or fail as the token owner, refuses the operator and anything but pass or fail', async () => {
    const res = await post(`/api/v1/builds/${id}/gate`, tess, { decision: 'fail', reason: ' no total ', user: 'x' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ build: id, decision: 'fail', by: 'tess', reason: 'no total' });
    expect(receiver.state.queues.jobs('approvals').map((j) => j.payload)).toEqual([
      expect.objectContaining({
        kind: 'gate',
        buildId: id,
        user: 'tess',
        decision: 'fail',
        reason: 'no total',
        via: 'api',
      }),
    ]);
    expect((await post(`/api/v1/builds/${id}/gate`, 'memory-receiver-token', { decision: 'pass' })).status).toBe(403);
    const bad = await post(`/api/v1/builds/${id}/gate`, tess, { decision: 'maybe' });
    expect([bad.status, ((await bad.json()) as { error: string }).error]).toEqual([400, 'bad_request']);
    expect((await post('/api/v1/builds/bnothing0000/gate', tess, { decision: 'pass' })).status).toBe(404);
  });

  it('queues a cancelled held build again at once, so the executor tears it down', async () => {
    expect((await post(`/api/v1/builds/${id}/cancel`, 'memory-receiver-token', {})).status).toBe(202);
    expect(receiver.state.queues.jobs('builds')).toEqual([
      expect.objectContaining({ jobId: `${id}-gate-cancelled`, payload: { plan: held.plan } }),
    ]);
  });
});
