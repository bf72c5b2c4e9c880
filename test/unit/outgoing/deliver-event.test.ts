import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { hookBody } from '../../../services/core/outgoing/hook-payload.js';
import { wantsEvent, type HookSubscription } from '../../../services/core/outgoing/hook-subscription.js';
import { PermanentError, TransientError } from '../../../services/core/errors/slipway-error.js';
import { deliverEvent } from '../../../services/outgoing/deliver-event.js';
import { dispatchEvents } from '../../../services/outgoing/dispatch-events.js';
import { createLogger } from '../../../services/shared/logger.js';
import { memoryState } from '../../../services/shared/memory/memory-state.js';
import type { PostResult } from '../../../services/shared/post-json.js';
import type { OutgoingJob } from '../../../services/shared/queues.js';
import { eventually } from '../../support/eventually.js';
import { buildEvent } from '../../support/port-conformance/build-events.js';

const SUB: HookSubscription = {
  id: 'hook-1',
  url: 'http://chat.test/in',
  secret: 'x'.repeat(20),
  format: 'json',
  createdAt: '2024-05-01T10:00:00.000Z',
  createdBy: 'root',
};

/** The delivery worker's handler with a recording POST that answers `answers` in turn. */
function worker(answers: PostResult[]) {
  const state = memoryState();
  const sent: Array<{ url: string; body: string; headers: Record<string, string> }> = [];
  const deps = {
    hooks: state.hooks,
    publicUrl: 'http://slipway.test',
    post: async (url: string, body: string, headers: Record<string, string>) => {
      sent.push({ url, body, headers });
      return answers.shift() ?? { status: 200, durationMs: 1 };
    },
  };
  return { state, sent, deps };
}

describe('outgoing webhooks', () => {
  const job: OutgoingJob = { subscriptionId: 'hook-1', event: { ...buildEvent('b1', 'failure'), id: '7-0' } };

  it('signs the body with the secret, names the event and the delivery, and records the attempt', async () => {
    const { state, sent, deps } = worker([{ status: 204, durationMs: 5 }]);
    await state.hooks.add(SUB);
    expect(await deliverEvent(job, { id: 'hook-hook-1-7-0', attempt: 1 }, deps)).toBe('delivered');
    const [request] = sent;
    expect(JSON.parse(request!.body)).toMatchObject({ id: '7-0', kind: 'build', state: 'failure', buildId: 'b1' });
    const mac = createHmac('sha256', SUB.secret).update(request!.body).digest('hex');
    expect(request!.headers).toMatchObject({
      'x-slipway-signature-256': `sha256=${mac}`,
      'x-slipway-event': 'build',
      'x-slipway-delivery': 'hook-1-7-0',
    });
    expect(await state.hooks.deliveries('hook-1', 10)).toEqual([
      expect.objectContaining({ id: 'hook-1-7-0', status: 204, ok: true, attempt: 1 }),
    ]);
  });

  it('retries no answer and 5xx, never another 4xx, and delivers nothing for a removed subscription', async () => {
    const { state, deps } = worker([
      { error: 'ECONNREFUSED', durationMs: 1 },
      { status: 503, durationMs: 1 },
      { status: 404, durationMs: 1 },
    ]);
    await state.hooks.add(SUB);
    await expect(deliverEvent(job, { id: 'j', attempt: 1 }, deps)).rejects.toBeInstanceOf(TransientError);
    await expect(deliverEvent(job, { id: 'j', attempt: 2 }, deps)).rejects.toBeInstanceOf(TransientError);
    await expect(deliverEvent(job, { id: 'j', attempt: 3 }, deps)).rejects.toBeInstanceOf(PermanentError);
    const kept = await state.hooks.deliveries('hook-1', 10);
    expect(kept.map((d) => [d.attempt, d.status ?? d.error, d.ok])).toEqual([
      [3, 404, false],
      [2, 503, false],
      [1, 'ECONNREFUSED', false],
    ]);
    await state.hooks.remove('hook-1');
    expect(await deliverEvent(job, { id: 'j', attempt: 4 }, deps)).toBe('no subscription');
  });

  it('formats a Slack-compatible message, and matches subscriptions by repository, organisation and kind', () => {
    const text = (JSON.parse(hookBody({ format: 'slack' }, job.event, 'http://slipway.test/')) as { text: string })
      .text;
    expect(text).toBe(':x: acme/api master @ aaaaaaa: build failure (<http://slipway.test/builds/b1|b1>)');
    expect(wantsEvent({ ...SUB, repo: 'acme/api' }, job.event)).toBe(true);
    expect(wantsEvent({ ...SUB, repo: 'acme/web' }, job.event)).toBe(false);
    expect(wantsEvent({ ...SUB, org: 'ACME' }, job.event)).toBe(true);
    expect(wantsEvent({ ...SUB, kinds: ['step'] }, job.event)).toBe(false);
    expect(wantsEvent({ ...SUB, installation: 5 }, job.event, 5)).toBe(true);
    expect(wantsEvent({ ...SUB, installation: 5 }, job.event, undefined)).toBe(false);
  });

  it('queues one job per event and subscription that wants it, and remembers where it stopped', async () => {
    const state = memoryState();
    await state.hooks.add(SUB);
    await state.hooks.add({ ...SUB, id: 'hook-web', repo: 'acme/web' });
    const stop = new AbortController();
    const running = dispatchEvents({ ...state, logger: createLogger('test', true) }, stop.signal);
    await eventually('the dispatcher to attach', async () => {
      await state.events.publish([buildEvent('b2')]);
      return state.queues.jobs('outgoing').length > 0 ? true : undefined;
    });
    stop.abort();
    await running;
    const jobs = state.queues.jobs('outgoing');
    expect(jobs.every((j) => (j.payload as OutgoingJob).subscriptionId === 'hook-1')).toBe(true);
    expect(await state.hooks.cursor()).toBe((jobs.at(-1)!.payload as OutgoingJob).event.id);
  });
});
