import { describe, expect, it } from '@jest/globals';
import type { ParkedGate } from '../../../services/core/gate/manual-gate.js';
import type { ManualGates } from '../../../services/shared/ports/manual-gates.js';
import { planOf, step } from '../plan-fixtures.js';

/** An e2e stage of `sha` held for a manual test by one named tester. */
export function parkedGate(sha: string): ParkedGate {
  const plan = planOf('https://github.com/acme/exec.git', sha, [{ name: 'e2e', steps: [step('browse', ['true'])] }]);
  return {
    plan,
    request: {
      buildId: plan.buildId,
      stage: 'e2e',
      url: 'http://10.0.0.5:30080',
      instructions: 'Check the total.',
      people: { users: ['tess'], teams: [] },
      pusher: 'octocat',
      requestedAt: '2024-05-01T10:00:00.000Z',
      expiresAt: '2024-05-01T14:00:00.000Z',
      decisions: [],
      state: 'pending',
    },
  };
}

/** What every ManualGates must do. */
export function describeManualGatesConformance(name: string, make: () => Promise<ManualGates>): void {
  describe(`${name}: ManualGates`, () => {
    it('parks a gate once: parking it again keeps the first request, its URL and expiry', async () => {
      const gates = await make();
      const parked = parkedGate('1'.repeat(40));
      await gates.park(parked);
      expect(await gates.get(parked.request.buildId)).toEqual(parked);
      await gates.park({
        ...parked,
        request: { ...parked.request, url: 'http://elsewhere:1', expiresAt: '2030-01-01T00:00:00.000Z' },
      });
      expect((await gates.get(parked.request.buildId))?.request).toEqual(parked.request);
    });

    it('records decisions with put, and hands out copies', async () => {
      const gates = await make();
      const parked = parkedGate('2'.repeat(40));
      await gates.park(parked);
      const read = (await gates.get(parked.request.buildId))!;
      read.request.decisions.push({
        user: 'tess',
        decision: 'fail',
        reason: 'no total',
        at: '2024-05-01T10:05:00.000Z',
        via: 'comment',
        counted: true,
      });
      expect((await gates.get(parked.request.buildId))?.request.decisions).toEqual([]);
      read.request.state = 'failed';
      await gates.put(read);
      expect(await gates.get(parked.request.buildId)).toEqual(read);
      expect(await gates.get('b-nobody-held')).toBeUndefined();
    });

    it('finds the build whose stage of a commit is held, per repository and commit', async () => {
      const gates = await make();
      const sha = `${Date.now().toString(16)}`.padEnd(40, '3');
      const parked = parkedGate(sha);
      const repo = `${parked.plan.request.repo.owner}/${parked.plan.request.repo.name}`;
      expect(await gates.buildFor(repo, sha)).toBeUndefined();
      await gates.park(parked);
      expect(await gates.buildFor(repo, sha)).toBe(parked.request.buildId);
      expect(await gates.buildFor('acme/other', sha)).toBeUndefined();
      expect(await gates.buildFor(repo, '4'.repeat(40))).toBeUndefined();
    });
  });
}
