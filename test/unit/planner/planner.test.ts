import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { BuildRequest } from '../../../services/core/builds/types.js';
import { FORK_RUN } from '../../../services/core/plan/types.js';
import { mapEvent } from '../../../services/core/trigger/map-event.js';
import { processRequest, type PlannerDeps } from '../../../services/planner/process-request.js';
import { approvalGate } from '../../../services/shared/approval-gate.js';
import { createGitHub } from '../../../services/shared/github.js';
import { createLogger } from '../../../services/shared/logger.js';
import { memoryState, type MemoryState } from '../../../services/shared/memory/memory-state.js';
import { specParser } from '../../../services/shared/spec-parser.js';
import { GitHubStandIn } from '../../support/github-stand-in.js';
import { pullRequestPayload, pushPayload } from '../../support/webhook-payloads.js';

const OWNER = 'acme';
const REPO = 'planner';
const TOKEN = 'planner-token';
const NOW = new Date('2024-05-01T10:00:00.000Z');
const VALID =
  'test:\n' +
  '  - {name: unit, image: slipway/busybox:1, commands: [echo ok]}\n' +
  'deploy:\n' +
  '  - {name: ship, image: slipway/busybox:1, commands: [echo ok]}\n';

/** The planner's handler on memory ports, reading specs from the GitHub stand-in's real repositories. */
describe('the planner', () => {
  let standIn: GitHubStandIn;
  let state: MemoryState;
  let deps: PlannerDeps;
  let delivery = 0;

  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1', token: TOKEN });
    await standIn.createRepo(OWNER, REPO);
    await standIn.commit(OWNER, REPO, 'master', { 'README.md': 'hi\n' });
  });

  afterAll(async () => {
    expect(standIn.violations).toEqual([]);
    await standIn?.stop();
  });

  beforeEach(() => {
    state = memoryState();
    deps = {
      github: createGitHub(standIn.apiUrl, { token: TOKEN }),
      builds: state.builds,
      stops: state.stops,
      staging: state.staging,
      queues: state.queues,
      parse: specParser(),
      policyFor: () => ({}),
      secretsFor: () => ({}),
      gitImage: 'slipway/git:1',
      stepTimeoutMs: 60_000,
      gitCredentials: true,
      gate: approvalGate(state.approvals, state.queues, () => NOW),
      publicUrl: 'http://slipway.test',
      logger: createLogger('test', true),
      now: () => NOW,
    };
  });

  /** A real push payload for a new commit on `branch`, mapped to its request as the receiver does. */
  async function pushed(branch: string, files: Record<string, string>): Promise<BuildRequest> {
    const sha = await standIn.commit(OWNER, REPO, branch, files);
    const payload = pushPayload({
      owner: OWNER,
      repo: REPO,
      cloneUrl: `https://github.com/${OWNER}/${REPO}.git`,
      branch,
      before: '0'.repeat(40),
      after: sha,
    });
    const decision = mapEvent('push', `delivery-${++delivery}`, payload);
    if (decision.action !== 'build') throw new Error(`the push maps to ${decision.action}`);
    return decision.request;
  }

  const plan = (request: BuildRequest) => processRequest({ request, receivedAt: NOW.toISOString() }, deps);
  const statuses = () => state.queues.jobs('statuses').map((j) => j.payload);

  it('records a missing spec, posts it on slipway/spec, and queues no build', async () => {
    const request = await pushed('nospec', { 'README.md': 'no spec here\n' });
    const { buildId, outcome } = await plan(request);
    expect(outcome).toBe('no spec');
    expect(await state.builds.get(buildId)).toMatchObject({
      state: 'failure',
      specError: `No .buildspec.yml at the root of the repository at ${request.sha.slice(0, 7)}`,
    });
    expect(statuses().map((s) => [s.status.context, s.status.state])).toEqual([['slipway/spec', 'failure']]);
    expect(state.queues.jobs('builds')).toEqual([]);
  });

  it('records every problem of an invalid spec, posts the first with its place, and queues no build', async () => {
    const request = await pushed('invalid', {
      '.buildspec.yml': 'test:\n  - name: unit\n    image: slipway/busybox:1\n    comands: [make test]\n',
    });
    const { buildId, outcome } = await plan(request);
    expect(outcome).toBe('invalid spec');
    expect((await state.builds.get(buildId))?.specIssues).toContainEqual(
      expect.objectContaining({ line: 4, column: 5, message: 'unknown key "comands"' }),
    );
    expect(statuses()).toEqual([
      expect.objectContaining({
        buildId,
        sha: request.sha,
        status: {
          context: 'slipway/spec',
          state: 'failure',
          description: '.buildspec.yml:2:5 /test/0: missing required key "commands" or "script" (+1 more)',
          target_url: `http://slipway.test/builds/${buildId}`,
        },
      }),
    ]);
    expect(state.queues.jobs('builds')).toEqual([]);
    // Planned again (a stalled job): the answer stands.
    expect((await plan(request)).outcome).toBe('invalid spec (already recorded)');
  });

  it('queues a valid spec’s build once, with a queued status on each stage', async () => {
    const request = await pushed('valid', { '.buildspec.yml': VALID });
    const { buildId, outcome } = await plan(request);
    expect(outcome).toBe('queued');
    const [job] = state.queues.jobs('builds');
    expect(job?.jobId).toBe(buildId);
    expect(job?.payload.plan.stages.map((s) => s.name)).toEqual(['test', 'deploy']);
    expect(job?.payload.plan.request).toEqual(request);
    expect(statuses().map((s) => `${s.status.context} ${s.status.state} ${s.status.description}`)).toEqual([
      'slipway/test pending Queued',
      'slipway/deploy pending Queued',
    ]);
    expect(await state.builds.get(buildId)).toMatchObject({
      id: buildId,
      state: 'queued',
      createdAt: NOW.toISOString(),
    });
    await plan(request);
    expect(state.queues.jobs('builds')).toHaveLength(1);
    expect(state.queues.jobs('statuses')).toHaveLength(2);
  });

  it('supersedes the older build of the branch when a newer commit is planned, and no other', async () => {
    const older = await plan(await pushed('feature', { '.buildspec.yml': VALID }));
    const elsewhere = await plan(await pushed('other', { '.buildspec.yml': VALID }));
    const newerRequest = await pushed('feature', { '.buildspec.yml': VALID, 'x.txt': 'x\n' });
    const newer = await plan(newerRequest);
    expect(await state.stops.reasons(older.buildId)).toEqual({
      superseded: `superseded by ${newerRequest.sha.slice(0, 7)}`,
    });
    expect(await state.stops.reasons(newer.buildId)).toEqual({});
    expect(await state.stops.reasons(elsewhere.buildId)).toEqual({});
  });

  it('queues the tear-down of an older build held for a manual test when a newer commit supersedes it', async () => {
    deps.gates = state.gates;
    const older = await plan(await pushed('held', { '.buildspec.yml': VALID }));
    const job = state.queues.job('builds', older.buildId)!;
    await state.gates.park({
      plan: job.payload.plan,
      request: {
        buildId: older.buildId,
        stage: 'e2e',
        url: 'http://10.0.0.5:30080',
        people: { users: ['tess'], teams: [] },
        pusher: 'tess',
        requestedAt: NOW.toISOString(),
        expiresAt: new Date(NOW.getTime() + 3_600_000).toISOString(),
        decisions: [],
        state: 'pending',
      },
    });
    const newer = await plan(await pushed('held', { '.buildspec.yml': VALID, 'y.txt': 'y\n' }));
    expect(state.queues.job('builds', `${older.buildId}-gate-cancelled`)?.payload.plan).toEqual(job.payload.plan);
    expect(state.queues.job('builds', `${newer.buildId}-gate-cancelled`)).toBeUndefined();
  });

  it('runs nothing of a fork’s pull request until a maintainer approves it', async () => {
    const headSha = await standIn.commit(OWNER, REPO, 'fork-head', { '.buildspec.yml': VALID });
    const payload = pullRequestPayload({
      owner: OWNER,
      repo: REPO,
      number: 5,
      headSha,
      baseRef: 'master',
      headRepo: 'mallory/planner',
    });
    const decision = mapEvent('pull_request', `delivery-${++delivery}`, payload);
    if (decision.action !== 'build') throw new Error(`the pull request maps to ${decision.action}`);
    expect(decision.request.fork).toBe(true);
    const { buildId, outcome } = await plan(decision.request);
    expect(outcome).toBe('waiting for a maintainer');
    expect(state.queues.jobs('builds')).toEqual([]);
    expect((await state.builds.get(buildId))?.state).toBe('waiting');
    expect((await state.approvals.get(buildId))?.request).toMatchObject({ environment: FORK_RUN, state: 'pending' });
    expect(state.queues.job('approvals', `${buildId}-expire`)).toMatchObject({ delayMs: 7 * 24 * 3_600_000 });
    const waiting = statuses().filter((s) => s.status.context === 'slipway/test');
    expect(waiting.map((s) => s.status.description)).toEqual([
      expect.stringMatching(/^Waiting: a pull request from a fork runs once a maintainer approves it: for approval by/),
    ]);
  });
});
