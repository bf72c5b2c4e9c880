import { supersedesOlder } from '../core/plan/supersede-rule.js';
import type { BuildRecord } from '../core/builds/record.js';
import { recordForPlan } from '../core/builds/record-for-plan.js';
import { compilePlan } from '../core/plan/compile-plan.js';
import { buildIdFor } from '../core/plan/naming.js';
import { stageLabel } from '../core/plan/stage-label.js';
import { needsStagingCheck } from '../core/plan/staging-check.js';
import type { ApprovalGate } from '../shared/approval-gate.js';
import { FORK_RUN } from '../core/plan/types.js';
import { formatIssue } from '../core/buildspec/format-issues.js';
import type { SpecParser } from '../core/buildspec/parse-spec.js';
import type { BuildStore } from '../shared/ports/build-store.js';
import type { Queues } from '../shared/ports/queues.js';
import type { StagingRecords } from '../shared/ports/staging-records.js';
import type { ManualGates } from '../shared/ports/manual-gates.js';
import type { Stops } from '../shared/ports/stops.js';
import type { GitHub, GitHubPeople } from '../shared/github.js';
import { upToDateEvent } from '../core/trigger/up-to-date.js';
import type { Logger } from '../shared/logger.js';
import type { PolicyFor } from '../shared/repo-policy.js';
import type { SecretsFor } from '../shared/secret-store.js';
import type { RequestJob } from '../shared/queues.js';
import { queueStatus } from '../shared/status-queue.js';

export const SPEC_FILE = '.buildspec.yml';

export interface PlannerDeps {
  github: GitHub & Pick<GitHubPeople, 'behindBy' | 'openPullsInto'>;
  builds: BuildStore;
  stops: Stops;
  /** Builds held for a manual test: one a newer build supersedes is torn down, not left up. */
  gates?: Pick<ManualGates, 'get'>;
  staging: StagingRecords;
  queues: Queues;
  parse: SpecParser;
  policyFor: PolicyFor;
  secretsFor: SecretsFor;
  gitImage: string;
  stepTimeoutMs: number;
  /** Whether the checkout authenticates (the operator set a git or GitHub token). */
  gitCredentials: boolean;
  gate: ApprovalGate;
  publicUrl: string;
  logger: Logger;
  now?: () => Date;
}

/**
 * Plans one build request: reads `.buildspec.yml` at the exact commit, validates it and
 * queues the build with `pending` statuses, or records why it cannot run. Idempotent: a
 * request planned twice (a stalled job) queues one build.
 *
 * GitHub trouble is thrown (BullMQ retries); a missing or invalid spec is a final answer.
 */
export async function processRequest(
  job: RequestJob,
  deps: PlannerDeps,
): Promise<{ buildId: string; outcome: string }> {
  const { request } = job;
  // Advisory: trouble computing it must not keep the build from being planned.
  await refreshUpToDate(request, deps).catch((err: unknown) =>
    deps.logger.warn('could not refresh slipway/up-to-date', { request: request.id, err }),
  );
  const now = (deps.now ?? (() => new Date()))().toISOString();
  const buildId = buildIdFor(request.id);
  const target = { buildId, repo: request.repo, sha: request.sha, publicUrl: deps.publicUrl };
  const existing = await deps.builds.get(buildId);
  if (existing?.specIssues || existing?.specError) return { buildId, outcome: 'invalid spec (already recorded)' };

  const text = await deps.github.fileAt(request.repo, SPEC_FILE, request.sha);
  const base: BuildRecord = { id: buildId, request, state: 'queued', createdAt: now, stages: [] };

  if (text === undefined) {
    const specError = `No ${SPEC_FILE} at the root of the repository at ${request.sha.slice(0, 7)}`;
    await deps.builds.create({ ...base, state: 'failure', finishedAt: now, specError });
    await queueStatus(deps.queues, target, { stage: 'spec', state: 'failure', summary: specError });
    return { buildId, outcome: 'no spec' };
  }

  // The operator's secrets are the only names a spec may use; which values reach the build is the executor's business.
  // A fork's build gets no secret at all, so its spec's names are not checked against the operator's.
  const policy = deps.policyFor(request.repo);
  const parsed = deps.parse(
    text,
    request.fork ? policy : { ...policy, knownSecrets: Object.keys(deps.secretsFor(request.repo)) },
  );
  if (!parsed.ok) {
    const first = formatIssue(parsed.issues[0]!);
    const more = parsed.issues.length > 1 ? ` (+${parsed.issues.length - 1} more)` : '';
    // The spec's own text is kept with its problems, so the build page shows each against its line.
    const specSource = text.slice(0, 64_000);
    await deps.builds.create({ ...base, state: 'failure', finishedAt: now, specIssues: parsed.issues, specSource });
    await queueStatus(deps.queues, target, { stage: 'spec', state: 'failure', summary: `${first}${more}` });
    deps.logger.info('spec invalid', { buildId, issues: parsed.issues.length });
    return { buildId, outcome: 'invalid spec' };
  }

  const plan = compilePlan(parsed.spec, request, {
    gitImage: deps.gitImage,
    stepTimeoutMs: deps.stepTimeoutMs,
    gitCredentials: deps.gitCredentials && !request.fork,
  });
  if (request.fork && !policy.runForksWithoutApproval) {
    plan.runApproval = {
      required: true,
      users: [],
      teams: [],
      count: 1,
      expiresMs: 7 * 24 * 3_600_000,
      allowSelfApproval: false,
    };
  }
  if (!existing) await deps.builds.create(recordForPlan(plan, now));
  if (plan.runApproval) {
    // Someone else's code: nothing runs until a maintainer says so. The approver queues the build then.
    const gate = await deps.gate.check(plan, { name: FORK_RUN, approval: plan.runApproval, locks: [] });
    const record = await deps.builds.get(buildId);
    if (record) await deps.builds.put({ ...record, state: 'waiting' });
    for (const stage of plan.stages) {
      await queueStatus(deps.queues, target, {
        stage: stageLabel(stage),
        state: 'waiting',
        reason: `a pull request from a fork runs once a maintainer approves it: ${gate.reason}`,
      });
    }
    return { buildId, outcome: 'waiting for a maintainer' };
  }
  for (const stage of plan.stages)
    await queueStatus(deps.queues, target, { stage: stageLabel(stage), state: 'queued' });
  if (needsStagingCheck(parsed.spec, request)) {
    // A promotion (a PR into production) shows whether its commit already passed staging; the
    // executor posts success on the commit when a staging deploy of it succeeds.
    const by = await deps.staging.verifiedBy(request.repo, request.sha);
    await queueStatus(deps.queues, target, {
      stage: 'staging-verified',
      state: 'verified',
      verified: by !== undefined,
      reason: by
        ? `Passed e2e and deployed to staging in build ${by}`
        : 'Not yet deployed to staging: merge into master first',
    });
  }
  if (plan.notDeployed)
    await queueStatus(deps.queues, target, {
      stage: plan.notDeployed.stage,
      state: 'refused',
      reason: `Not deployed: ${plan.notDeployed.reason}`,
    });
  await deps.queues.add('builds', { plan }, { jobId: buildId });
  if (supersedesOlder(parsed.spec, request, policy)) {
    const superseded = await deps.stops.supersedeOlder(request.repo, request.ref, buildId, request.sha);
    if (superseded) {
      deps.logger.info('older build superseded', { buildId: superseded, by: buildId });
      // A build held for a manual test runs no job to see the stop: queued again, its objects go now.
      const held = await deps.gates?.get(superseded);
      if (held?.request.state === 'pending')
        await deps.queues.add('builds', { plan: held.plan }, { jobId: `${superseded}-gate-cancelled` });
    }
  }
  deps.logger.info('build queued', { buildId, repo: `${request.repo.owner}/${request.repo.name}`, sha: request.sha });
  return { buildId, outcome: 'queued' };
}

/**
 * `slipway/up-to-date`: on a pull request's own head, and, when a branch moves, on every
 * open pull request into it (their merge may no longer be a fast-forward).
 */
async function refreshUpToDate(request: RequestJob['request'], deps: PlannerDeps): Promise<void> {
  const pulls =
    request.pullRequest !== undefined && request.baseRef
      ? [{ base: request.baseRef, headSha: request.sha }]
      : request.event === 'push' && request.ref.startsWith('refs/heads/')
        ? (await deps.github.openPullsInto(request.repo, request.ref.slice('refs/heads/'.length))).map((p) => ({
            base: request.ref.slice(11),
            headSha: p.headSha,
          }))
        : [];
  for (const pull of pulls) {
    const behind = await deps.github.behindBy(request.repo, pull.base, pull.headSha);
    // Linked to the build that caused the check: the PR's own, or the push that moved its base.
    await queueStatus(
      deps.queues,
      { buildId: buildIdFor(request.id), repo: request.repo, sha: pull.headSha, publicUrl: deps.publicUrl },
      upToDateEvent(pull.base, behind),
    );
  }
}
