import type { RequestOrigin } from '../core/audit/audit-entry.js';
import { gateState, mayDecideGate, settledBy, type GateDecision, type ParkedGate } from '../core/gate/manual-gate.js';
import type { GitHubPeople } from '../shared/github.js';
import type { Logger } from '../shared/logger.js';
import type { AuditLog } from '../shared/ports/audit-log.js';
import type { BuildStore } from '../shared/ports/build-store.js';
import type { ManualGates } from '../shared/ports/manual-gates.js';
import type { Queues } from '../shared/ports/queues.js';
import type { ApprovalJob } from '../shared/queues.js';
import { buildOfDecision } from './build-of-decision.js';
import { weighDecision } from './weigh-decision.js';

export interface GateDeps {
  github: GitHubPeople;
  gates: ManualGates;
  builds: BuildStore;
  audit: AuditLog;
  queues: Queues;
  logger: Logger;
  now?: () => Date;
}

type GateJob = Extract<ApprovalJob, { kind: 'gate' | 'gate-expire' }>;

/**
 * Takes a pass, a fail or the time-out of a stage held for a manual test. Who decided, when,
 * what they said and whether it counted is recorded on the gate, shown on the build and kept
 * in the audit log; the first counted word (or the time-out) settles it, and the build is
 * queued again: the executor tears the held objects down and runs on (passed) or stops
 * (failed, timed out). A word that does not count changes nothing else. `jobId` names the
 * job in the audit log, so a job run twice records its decision once.
 */
export async function processGate(job: GateJob, deps: GateDeps, jobId?: string): Promise<string> {
  const now = (deps.now ?? (() => new Date()))();
  const buildId =
    job.kind === 'gate-expire'
      ? job.buildId
      : await buildOfDecision(
          job,
          (repo, n) => deps.github.pullHead(repo, n),
          (repo, sha) => deps.gates.buildFor(repo, sha),
        );
  if (!buildId) return 'no stage of that commit is held for a manual test';
  const parked = await deps.gates.get(buildId);
  if (!parked) return `build ${buildId} is held for no manual test`;
  const { repo } = parked.plan.request;
  if (job.kind === 'gate' && `${job.owner}/${job.repo}`.toLowerCase() !== `${repo.owner}/${repo.name}`.toLowerCase())
    return `build ${buildId} is not of ${job.owner}/${job.repo}`;
  if (parked.request.state !== 'pending')
    return `the manual test of build ${buildId} is already ${parked.request.state}`;

  let decided: GateDecision | undefined;
  if (job.kind === 'gate' && gateState(parked.request, now) === 'pending') {
    const verdict = await weighDecision(deps.github, repo, job.user, parked.request.people.teams, (facts) =>
      mayDecideGate(parked.request, job.user, facts),
    );
    decided = {
      user: job.user,
      decision: job.decision,
      ...(job.reason ? { reason: job.reason } : {}),
      at: now.toISOString(),
      via: job.via,
      ...verdict,
    };
    parked.request.decisions.push(decided);
    deps.logger.info('manual test decision', { buildId, ...decided });
  }
  const after = gateState(parked.request, now);
  parked.request.state = after;
  await deps.gates.put(parked);
  await audit(parked, decided, now, deps, jobId, job.kind === 'gate' ? job.from : undefined);
  const record = await deps.builds.get(buildId);
  if (record) await deps.builds.put({ ...record, gate: parked.request });
  if (after === 'pending') return decided && !decided.counted ? `not counted: ${decided.why}` : 'pending';
  await deps.queues.add('builds', { plan: parked.plan }, { jobId: `${buildId}-gate-${after}` });
  return after;
}

async function audit(
  parked: ParkedGate,
  decided: GateDecision | undefined,
  now: Date,
  deps: GateDeps,
  jobId: string | undefined,
  from: RequestOrigin | undefined,
): Promise<void> {
  const { repo } = parked.plan.request;
  const base = {
    at: now.toISOString(),
    buildId: parked.request.buildId,
    repo: `${repo.owner}/${repo.name}`,
    stage: parked.request.stage,
  };
  if (decided)
    await deps.audit.append({
      ...(jobId ? { id: `${jobId}-decision` } : {}),
      ...base,
      kind: 'gate-decision',
      actor: decided.user,
      decision: decided.decision,
      via: decided.via,
      counted: decided.counted,
      ...(decided.reason ? { reason: decided.reason } : {}),
      ...(decided.why ? { why: decided.why } : {}),
      ...(from ? { from } : {}),
    });
  const { state } = parked.request;
  if (state === 'pending') return;
  await deps.audit.append({
    id: `${parked.request.buildId}-gate-settled`,
    ...base,
    kind: 'gate-settled',
    actor: settledBy(parked.request)?.user ?? 'slipway',
    state,
  });
}
