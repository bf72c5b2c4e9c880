import { describe, expect, it } from '@jest/globals';
import type { QueueName, QueuePayloads } from '../../../services/shared/queues.js';
import type { Queues } from '../../../services/shared/ports/queues.js';
import { planOf, step } from '../plan-fixtures.js';
import { uniqueId } from './fixtures.js';

/** A queued job as a test reads it back: its payload and delay. */
export interface QueuedJob<Q extends QueueName> {
  payload: QueuePayloads[Q];
  delayMs: number;
}

/**
 * What every Queues must do. `make` gives the producer and a way to read a job back by id
 * (undefined when there is none).
 */
export function describeQueuesConformance(
  name: string,
  make: () => Promise<{
    queues: Queues;
    read: <Q extends QueueName>(queue: Q, jobId: string) => Promise<QueuedJob<Q> | undefined>;
  }>,
): void {
  describe(`${name}: Queues`, () => {
    it('adds a job under its id, and the same id again is a no-op', async () => {
      const { queues, read } = await make();
      const plan = planOf('https://github.com/acme/exec.git', 'a'.repeat(40), [
        { name: 'test', steps: [step('unit', ['true'])] },
      ]);
      const id = uniqueId('build-');
      await queues.add('builds', { plan }, { jobId: id });
      await queues.add('builds', { plan: { ...plan, buildId: 'other' } }, { jobId: id });
      expect(await read('builds', id)).toEqual({ payload: { plan }, delayMs: 0 });
      expect(await read('builds', uniqueId('nothing-'))).toBeUndefined();
      // Queues are apart: the same id on another queue is another job.
      expect(await read('requests', id)).toBeUndefined();
    });

    it('delays a job when asked (an approval expiry)', async () => {
      const { queues, read } = await make();
      const id = uniqueId('expire-');
      await queues.add('approvals', { kind: 'expire', buildId: 'b123' }, { jobId: id, delayMs: 3_600_000 });
      expect(await read('approvals', id)).toEqual({
        payload: { kind: 'expire', buildId: 'b123' },
        delayMs: 3_600_000,
      });
    });

    it('adds to every queue of the contracts', async () => {
      const { queues, read } = await make();
      const ids = { request: uniqueId('r-'), status: uniqueId('s-'), deployment: uniqueId('d-') };
      const request = {
        id: ids.request,
        event: 'push',
        repo: { owner: 'acme', name: 'api' },
        sha: 'b'.repeat(40),
        ref: 'refs/heads/master',
        cloneUrl: 'https://github.com/acme/api.git',
        sender: 'octocat',
      };
      await queues.add('requests', { request, receivedAt: '2024-05-01T10:00:00.000Z' }, { jobId: ids.request });
      const status = { state: 'pending' as const, context: 'slipway/test', description: 'Queued' };
      const statusJob = { buildId: 'b1', owner: 'acme', repo: 'api', sha: 'b'.repeat(40), status, seq: 0 };
      await queues.add('statuses', statusJob, { jobId: ids.status });
      const deployment = {
        buildId: 'b1',
        owner: 'acme',
        repo: 'api',
        sha: 'b'.repeat(40),
        environment: 'staging',
        production: false,
        state: 'in_progress' as const,
        description: 'Deploying to staging',
        logUrl: 'http://slipway/builds/b1/steps/ship/log',
        seq: 0,
      };
      await queues.add('deployments', deployment, { jobId: ids.deployment });
      expect((await read('requests', ids.request))?.payload.request).toEqual(request);
      expect((await read('statuses', ids.status))?.payload).toEqual(statusJob);
      expect((await read('deployments', ids.deployment))?.payload).toEqual(deployment);
    });
  });
}
