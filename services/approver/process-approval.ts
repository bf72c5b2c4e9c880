import { approvalState, mayDecide, type ApprovalDecision, type ParkedDeploy } from '../core/approval/approval.js';
import type { GitHubPeople } from '../shared/github.js';
import type { Logger } from '../shared/logger.js';
import type { Approvals } from '../shared/ports/approvals.js';
import type { AuditLog } from '../shared/ports/audit-log.js';
import type { BuildStore } from '../shared/ports/build-store.js';
import type { Queues } from '../shared/ports/queues.js';
import type { ApprovalJob } from '../shared/queues.js';
import type { RequestOrigin } from '../core/audit/audit-entry.js';
import { processButton, type ButtonDeps } from './process-button.js';
import { processGate } from './process-gate.js';
import type { ManualGates } from '../shared/ports/manual-gates.js';
import { buildOfDecision } from './build-of-decision.js';
import { weighDecision } from './weigh-decision.js';

export interface ApproverDeps {
  github: GitHubPeople;
  approvals: Approvals;
  builds: BuildStore;
  audit: AuditLog;
  queues: Queues;
  logger: Logger;
  now?: () => Date;
  /** What the Checks tab's Re-run and Cancel buttons need beside (see processButton). */
  buttons?: Pick<ButtonDeps, 'stops' | 'rerun'>;
  /** Stages held for manual tests: their passes, fails and time-outs come on the same queue. */
  gates?: ManualGates;
}

/**
 * Takes a decision (or an expiry) on a parked deploy. Who decided, when and whether it
 * counted is recorded on the approval, shown on the build and kept in the audit log; once the
 * approval is settled (approved, rejected or expired) the build is queued again and the
 * executor finishes it. A decision that does not count changes nothing else. `jobId` names
 * the job in the audit log, so a job run twice records its decision once.
 */
export async function processApproval(job: ApprovalJob, deps: ApproverDeps, jobId?: string): Promise<string> {
  if (job.kind === 'button') {
    if (!deps.buttons) return 'this approver takes no Checks tab buttons';
    return processButton(job, { ...deps, ...deps.buttons });
  }
  if (job.kind === 'gate' || job.kind === 'gate-expire') {
    if (!deps.gates) return 'this approver takes no manual test decisions';
    return processGate(job, { ...deps, gates: deps.gates }, jobId);
  }
  const now = (deps.now ?? (() => new Date()))();
  const buildId =
    job.kind === 'expire'
      ? job.buildId
      : await buildOfDecision(
          job,
          (repo, n) => deps.github.pullHead(repo, n),
          (repo, sha) => deps.approvals.buildFor(repo, sha),
        );
  if (!buildId) return 'no deploy of that commit waits for an approval';
  const parked = await deps.approvals.get(buildId);
  if (!parked) return `build ${buildId} waits for no approval`;
  // A decision naming a build (the API, a Checks tab button) counts only for that repository's.
  const { repo: parkedRepo } = parked.plan.request;
  if (
    job.kind === 'decision' &&
    `${job.owner}/${job.repo}`.toLowerCase() !== `${parkedRepo.owner}/${parkedRepo.name}`.toLowerCase()
  )
    return `build ${buildId} is not of ${job.owner}/${job.repo}`;
  // What was settled before; an approval whose time ran out but was not yet marked is settled now.
  if (parked.request.state !== 'pending') return `the approval of build ${buildId} is already ${parked.request.state}`;

  let decided: ApprovalDecision | undefined;
  if (job.kind === 'decision' && approvalState(parked.request, now) === 'pending') {
    const verdict = await weighDecision(deps.github, parkedRepo, job.user, parked.request.rules.teams, (facts) =>
      mayDecide(parked.request, job.user, facts),
    );
    decided = { user: job.user, decision: job.decision, at: now.toISOString(), via: job.via, ...verdict };
    parked.request.decisions.push(decided);
    deps.logger.info('approval decision', { buildId, ...decided });
  }
  const after = approvalState(parked.request, now);
  parked.request.state = after;
  await deps.approvals.put(parked);
  await audit(parked, decided, now, deps, jobId, job.kind === 'decision' ? job.from : undefined);
  await showOnBuild(parked, deps);
  if (after === 'pending') return decided && !decided.counted ? `not counted: ${decided.why}` : 'pending';
  await deps.queues.add('builds', { plan: parked.plan }, { jobId: `${buildId}-${after}` });
  return after;
}

/** The decision, counted or not, and how the approval was settled, for good. */
async function audit(
  parked: ParkedDeploy,
  decided: ApprovalDecision | undefined,
  now: Date,
  deps: ApproverDeps,
  jobId: string | undefined,
  from: RequestOrigin | undefined,
): Promise<void> {
  const { repo } = parked.plan.request;
  const base = {
    at: now.toISOString(),
    buildId: parked.request.buildId,
    repo: `${repo.owner}/${repo.name}`,
    environment: parked.request.environment,
  };
  if (decided) {
    await deps.audit.append({
      ...(jobId ? { id: `${jobId}-decision` } : {}),
      ...base,
      kind: 'approval-decision',
      actor: decided.user,
      decision: decided.decision,
      via: decided.via,
      counted: decided.counted,
      ...(decided.why ? { why: decided.why } : {}),
      ...(from ? { from } : {}),
    });
  }
  const { state } = parked.request;
  if (state === 'pending') return;
  await deps.audit.append({
    id: `${parked.request.buildId}-${parked.request.environment}-settled`,
    ...base,
    kind: 'approval-settled',
    actor: decided?.counted ? decided.user : 'slipway',
    state,
  });
}

/** The decisions, on the build record the API serves. */
async function showOnBuild(parked: ParkedDeploy, deps: ApproverDeps): Promise<void> {
  const record = await deps.builds.get(parked.request.buildId);
  if (!record) return;
  await deps.builds.put({ ...record, approval: parked.request });
}
