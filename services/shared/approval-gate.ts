import {
  approvalState,
  describeApprovers,
  type ApprovalRequest,
  type ApprovalState,
} from '../core/approval/approval.js';
import type { Plan, PlanEnvironment } from '../core/plan/types.js';
import { formatDuration } from '../core/buildspec/parse-duration.js';
import type { Approvals } from './ports/approvals.js';
import type { MergeQueue } from './ports/merge-queue.js';
import type { Queues } from './ports/queues.js';

/** Where a deploy's approval stands, and what a person should read about it. */
export interface ApprovalGate {
  /**
   * The first time, parks the deploy: records what approval it needs and schedules its
   * expiry. Then says where it stands; `pending` ends the build job (no worker waits) and the
   * approver queues the build again when a decision settles it.
   */
  check(
    plan: Plan,
    environment: PlanEnvironment,
  ): Promise<{ state: ApprovalState; reason: string; request?: ApprovalRequest }>;
}

/**
 * `promotions`, when given, lets a deploy through whose commit the merge queue promoted to
 * this environment with its approvals met (approving reviews on the promotion pull request):
 * the same commit needs no second approval.
 */
export function approvalGate(
  approvals: Approvals,
  queues: Queues,
  now: () => Date = () => new Date(),
  promotions?: Pick<MergeQueue, 'promotionOf'>,
): ApprovalGate {
  return {
    async check(plan, environment) {
      const rules = environment.approval!;
      let parked = await approvals.get(plan.buildId);
      if (!parked && promotions) {
        const { repo, sha } = plan.request;
        const promoted = await promotions.promotionOf(`${repo.owner}/${repo.name}`, sha, environment.name);
        if (promoted && promoted.approvers.length >= rules.count)
          return {
            state: 'approved',
            reason: `approved by ${promoted.approvers.join(', ')} in pull request #${promoted.pullRequest}`,
          };
      }
      if (!parked) {
        const at = now();
        parked = {
          plan,
          request: {
            buildId: plan.buildId,
            environment: environment.name,
            rules,
            pusher: plan.request.sender,
            requestedAt: at.toISOString(),
            expiresAt: new Date(at.getTime() + rules.expiresMs).toISOString(),
            decisions: [],
            state: 'pending',
          },
        };
        await approvals.park(parked);
        await queues.add(
          'approvals',
          { kind: 'expire', buildId: plan.buildId },
          { jobId: `${plan.buildId}-expire`, delayMs: rules.expiresMs },
        );
      }
      const { request } = parked;
      const state = approvalState(request, now());
      const last = request.decisions.filter((d) => d.counted).at(-1);
      const approvers = request.decisions.filter((d) => d.counted && d.decision === 'approve').map((d) => d.user);
      const reason =
        state === 'pending'
          ? `for approval by ${describeApprovers(rules)} (/approve on the pull request, or the API) ` +
            `until ${request.expiresAt.slice(0, 16).replace('T', ' ')} UTC`
          : state === 'approved'
            ? `approved by ${[...new Set(approvers)].join(', ')}`
            : state === 'rejected'
              ? `rejected by ${last?.user ?? 'an approver'}`
              : `the approval expired: nobody approved within ${formatDuration(rules.expiresMs)}`;
      return { state, reason, request };
    },
  };
}
