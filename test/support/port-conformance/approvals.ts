import { describe, expect, it } from '@jest/globals';
import type { ParkedDeploy } from '../../../services/core/approval/approval.js';
import type { Approvals } from '../../../services/shared/ports/approvals.js';
import { planOf, step } from '../plan-fixtures.js';

/** A deploy of `sha` parked for one approval by a maintainer. */
export function parkedDeploy(sha: string): ParkedDeploy {
  const plan = planOf('https://github.com/acme/exec.git', sha, [{ name: 'deploy', steps: [step('ship', ['true'])] }]);
  return {
    plan,
    request: {
      buildId: plan.buildId,
      environment: 'production',
      rules: { required: true, users: [], teams: [], count: 1, expiresMs: 3_600_000, allowSelfApproval: false },
      pusher: 'octocat',
      requestedAt: '2024-05-01T10:00:00.000Z',
      expiresAt: '2024-05-01T11:00:00.000Z',
      decisions: [],
      state: 'pending',
    },
  };
}

/** What every Approvals must do. */
export function describeApprovalsConformance(name: string, make: () => Promise<Approvals>): void {
  describe(`${name}: Approvals`, () => {
    it('parks a deploy once: parking it again keeps the first request, decisions and expiry', async () => {
      const approvals = await make();
      const parked = parkedDeploy('1'.repeat(40));
      await approvals.park(parked);
      expect(await approvals.get(parked.request.buildId)).toEqual(parked);
      await approvals.park({ ...parked, request: { ...parked.request, expiresAt: '2030-01-01T00:00:00.000Z' } });
      expect((await approvals.get(parked.request.buildId))?.request.expiresAt).toBe(parked.request.expiresAt);
    });

    it('records decisions with put, and hands out copies', async () => {
      const approvals = await make();
      const parked = parkedDeploy('2'.repeat(40));
      await approvals.park(parked);
      const read = (await approvals.get(parked.request.buildId))!;
      read.request.decisions.push({
        user: 'hubot',
        decision: 'approve',
        at: '2024-05-01T10:05:00.000Z',
        via: 'comment',
        counted: true,
      });
      expect((await approvals.get(parked.request.buildId))?.request.decisions).toEqual([]);
      read.request.state = 'approved';
      await approvals.put(read);
      expect(await approvals.get(parked.request.buildId)).toEqual(read);
      expect(await approvals.get('b-nobody-parked')).toBeUndefined();
    });

    it('finds the build whose deploy of a commit waits, per repository and commit', async () => {
      const approvals = await make();
      const sha = `${Date.now().toString(16)}`.padEnd(40, '3');
      const parked = parkedDeploy(sha);
      const repo = `${parked.plan.request.repo.owner}/${parked.plan.request.repo.name}`;
      expect(await approvals.buildFor(repo, sha)).toBeUndefined();
      await approvals.park(parked);
      expect(await approvals.buildFor(repo, sha)).toBe(parked.request.buildId);
      expect(await approvals.buildFor('acme/other', sha)).toBeUndefined();
      expect(await approvals.buildFor(repo, '4'.repeat(40))).toBeUndefined();
    });

    it('counts the deploys still pending: parked counts, decided does not, twice counts once', async () => {
      const approvals = await make();
      const before = await approvals.waiting();
      const first = parkedDeploy('5'.repeat(40));
      const second = parkedDeploy('6'.repeat(40));
      await approvals.park(first);
      await approvals.park(first);
      await approvals.park(second);
      expect(await approvals.waiting()).toBe(before + 2);
      const decided = (await approvals.get(first.request.buildId))!;
      decided.request.state = 'approved';
      await approvals.put(decided);
      expect(await approvals.waiting()).toBe(before + 1);
      // Parking a decided deploy again keeps the first request, decided.
      await approvals.park(first);
      expect(await approvals.waiting()).toBe(before + 1);
    });
  });
}
