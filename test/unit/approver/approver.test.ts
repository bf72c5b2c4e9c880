import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { recordForPlan } from '../../../services/core/builds/record-for-plan.js';
import type { ParkedDeploy } from '../../../services/core/approval/approval.js';
import { processApproval, type ApproverDeps } from '../../../services/approver/process-approval.js';
import { createGitHub } from '../../../services/shared/github.js';
import { createLogger } from '../../../services/shared/logger.js';
import { memoryState, type MemoryState } from '../../../services/shared/memory/memory-state.js';
import type { ApprovalJob } from '../../../services/shared/queues.js';
import { GitHubStandIn } from '../../support/github-stand-in.js';
import { parkedDeploy } from '../../support/port-conformance/approvals.js';

const TOKEN = 'approver-token';
const NOW = new Date('2024-05-01T10:30:00.000Z');

/** The approver's handler on memory ports, asking the GitHub stand-in about people through the real client. */
describe('the approver', () => {
  let standIn: GitHubStandIn;
  let state: MemoryState;
  let deps: ApproverDeps;
  let parked: ParkedDeploy;
  let sha: string;

  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1', token: TOKEN });
    await standIn.createRepo('acme', 'exec');
    await standIn.commit('acme', 'exec', 'master', { 'README.md': 'hi\n' });
    sha = await standIn.commit('acme', 'exec', 'feature', { 'app.txt': 'x\n' });
    standIn.setPermission('acme', 'exec', 'maya', 'maintain');
    standIn.setPermission('acme', 'exec', 'walt', 'write');
    standIn.setPermission('acme', 'exec', 'octocat', 'admin');
    standIn.addPullRequest('acme', 'exec', {
      number: 12,
      headSha: sha,
      headRef: 'feature',
      baseRef: 'master',
      user: 'octocat',
    });
  });

  afterAll(async () => {
    expect(standIn.violations).toEqual([]);
    await standIn?.stop();
  });

  beforeEach(async () => {
    state = memoryState();
    deps = {
      github: createGitHub(standIn.apiUrl, { token: TOKEN }),
      approvals: state.approvals,
      builds: state.builds,
      audit: state.audit,
      queues: state.queues,
      logger: createLogger('test', true),
      now: () => NOW,
    };
    parked = parkedDeploy(sha);
    await state.builds.create({ ...recordForPlan(parked.plan, NOW.toISOString()), state: 'waiting' });
    await state.approvals.park(parked);
  });

  const decide = (user: string, decision: 'approve' | 'reject' = 'approve'): ApprovalJob => ({
    kind: 'decision',
    owner: 'acme',
    repo: 'exec',
    buildId: parked.request.buildId,
    user,
    decision,
    via: 'api',
  });
  const buildJobs = () => state.queues.jobs('builds').map((j) => j.jobId);

  it('records a decision that does not count, with why, and changes nothing else', async () => {
    expect(await processApproval(decide('walt'), deps, 'job-1')).toBe(
      'not counted: walt has write permission on the repository; approving needs maintain or admin',
    );
    expect((await state.approvals.get(parked.request.buildId))?.request.state).toBe('pending');
    expect((await state.builds.get(parked.request.buildId))?.approval?.decisions).toEqual([
      expect.objectContaining({ user: 'walt', counted: false, via: 'api', at: NOW.toISOString() }),
    ]);
    expect(buildJobs()).toEqual([]);
    // The pusher may not approve their own deploy either.
    expect(await processApproval(decide('octocat'), deps, 'job-2')).toMatch(/^not counted: octocat pushed this commit/);
    expect(await state.audit.list({ buildId: parked.request.buildId, limit: 10 })).toEqual([
      expect.objectContaining({ kind: 'approval-decision', actor: 'walt', counted: false, repo: 'acme/exec' }),
      expect.objectContaining({ kind: 'approval-decision', actor: 'octocat', counted: false }),
    ]);
  });

  it('settles on a counted approval and queues the build again to finish it', async () => {
    expect(await processApproval(decide('maya'), deps, 'job-3')).toBe('approved');
    expect(buildJobs()).toEqual([`${parked.request.buildId}-approved`]);
    expect(state.queues.jobs('builds')[0]?.payload.plan).toEqual(parked.plan);
    expect((await state.builds.get(parked.request.buildId))?.approval?.state).toBe('approved');
    expect(await state.audit.list({ buildId: parked.request.buildId, limit: 10 })).toEqual([
      expect.objectContaining({ kind: 'approval-decision', actor: 'maya', counted: true, decision: 'approve' }),
      expect.objectContaining({ kind: 'approval-settled', actor: 'maya', state: 'approved' }),
    ]);
    // A decision after it settled changes nothing, and the same job run again records nothing twice.
    expect(await processApproval(decide('maya', 'reject'), deps, 'job-4')).toBe(
      `the approval of build ${parked.request.buildId} is already approved`,
    );
    expect(await processApproval(decide('maya'), deps, 'job-3')).toMatch(/already approved/);
    expect(buildJobs()).toHaveLength(1);
    expect(await state.audit.list({ buildId: parked.request.buildId, limit: 10 })).toHaveLength(2);
  });

  it('takes a /approve comment on the pull request whose head the deploy is', async () => {
    const comment: ApprovalJob = {
      kind: 'decision',
      owner: 'acme',
      repo: 'exec',
      pullRequest: 12,
      user: 'maya',
      decision: 'reject',
      via: 'comment',
    };
    expect(await processApproval(comment, deps, 'job-5')).toBe('rejected');
    expect(buildJobs()).toEqual([`${parked.request.buildId}-rejected`]);
    expect(await processApproval({ ...comment, pullRequest: undefined }, deps)).toBe(
      'no deploy of that commit waits for an approval',
    );
  });

  it('expires an approval nobody gave in time, and not before', async () => {
    const expire: ApprovalJob = { kind: 'expire', buildId: parked.request.buildId };
    expect(await processApproval(expire, { ...deps, now: () => new Date('2024-05-01T10:59:00.000Z') })).toBe('pending');
    expect(buildJobs()).toEqual([]);
    expect(await processApproval(expire, { ...deps, now: () => new Date('2024-05-01T11:00:01.000Z') })).toBe('expired');
    expect(buildJobs()).toEqual([`${parked.request.buildId}-expired`]);
    expect(await state.audit.list({ buildId: parked.request.buildId, limit: 10 })).toEqual([
      expect.objectContaining({ kind: 'approval-settled', actor: 'slipway', state: 'expired' }),
    ]);
    // A decision that comes too late is not counted: the approval is over.
    expect(await processApproval(decide('maya'), deps)).toMatch(/already expired/);
  });

  it('says so when the build waits for no approval', async () => {
    expect(await processApproval({ kind: 'expire', buildId: 'b-nothing' }, deps)).toBe(
      'build b-nothing waits for no approval',
    );
  });
});
