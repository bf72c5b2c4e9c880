import type { Queue } from 'bullmq';
import { approvalState, mayDecide, type ApprovalDecision } from '../core/approval/approval.js';
import type { ApprovalStore, ParkedDeploy } from '../shared/approval-store.js';
import type { BuildStore } from '../shared/build-store.js';
import type { GitHubPeople } from '../shared/github.js';
import type { Logger } from '../shared/logger.js';
import { JOB_OPTIONS, type ApprovalJob, type BuildJob } from '../shared/queues.js';

export interface ApproverDeps {
  github: GitHubPeople;
  approvals: ApprovalStore;
  store: BuildStore;
  builds: Queue<BuildJob>;
  logger: Logger;
  now?: () => Date;
}

/**
 * Takes a decision (or an expiry) on a parked deploy. Who decided, when and whether it
 * counted is recorded on the approval and shown on the build; once the approval is settled
 * (approved, rejected or expired) the build is queued again and the executor finishes it.
 * A decision that does not count changes nothing else.
 */
export async function processApproval(job: ApprovalJob, deps: ApproverDeps): Promise<string> {
  const now = (deps.now ?? (() => new Date()))();
  const buildId = job.kind === 'expire' ? job.buildId : await findBuild(job, deps);
  if (!buildId) return 'no deploy of that commit waits for an approval';
  const parked = await deps.approvals.get(buildId);
  if (!parked) return `build ${buildId} waits for no approval`;
  // What was settled before; an approval whose time ran out but was not yet marked is settled now.
  if (parked.request.state !== 'pending') return `the approval of build ${buildId} is already ${parked.request.state}`;

  if (job.kind === 'decision' && approvalState(parked.request, now) === 'pending') {
    const repo = parked.plan.request.repo;
    const teams = [];
    for (const team of parked.request.rules.teams) if (await deps.github.inTeam(team, job.user)) teams.push(team);
    const verdict = mayDecide(parked.request, job.user, { role: await deps.github.roleOf(repo, job.user), teams });
    const decision: ApprovalDecision = {
      user: job.user,
      decision: job.decision,
      at: now.toISOString(),
      via: job.via,
      counted: verdict.ok,
      ...(verdict.ok ? {} : { why: verdict.why }),
    };
    parked.request.decisions.push(decision);
    deps.logger.info('approval decision', { buildId, ...decision });
  }
  const after = approvalState(parked.request, now);
  parked.request.state = after;
  await deps.approvals.put(parked);
  await showOnBuild(parked, deps);
  if (after === 'pending')
    return job.kind === 'decision' && !parked.request.decisions.at(-1)!.counted
      ? `not counted: ${parked.request.decisions.at(-1)!.why}`
      : 'pending';
  await deps.builds.add('build', { plan: parked.plan }, { ...JOB_OPTIONS.builds, jobId: `${buildId}-${after}` });
  return after;
}

async function findBuild(
  job: Extract<ApprovalJob, { kind: 'decision' }>,
  deps: ApproverDeps,
): Promise<string | undefined> {
  if (job.buildId) return job.buildId;
  if (job.pullRequest === undefined) return undefined;
  const sha = await deps.github.pullHead({ owner: job.owner, name: job.repo }, job.pullRequest);
  return deps.approvals.buildFor(`${job.owner}/${job.repo}`, sha);
}

/** The decisions, on the build record the API serves. */
async function showOnBuild(parked: ParkedDeploy, deps: ApproverDeps): Promise<void> {
  const record = await deps.store.get(parked.request.buildId);
  if (!record) return;
  await deps.store.put({ ...record, approval: parked.request });
}
