import type { BuildRecord, StageRecord } from '../builds/record.js';
import type { CheckAction, CheckConclusion, CheckStatus } from './types.js';

const TIMED_OUT = /timed out|time limit/i;

/** Where a stage's check run stands: its status, conclusion and buttons. Pure. */
export function stageConclusion(
  record: Pick<BuildRecord, 'state'>,
  stage: StageRecord,
): { status: CheckStatus; conclusion?: CheckConclusion; actions: CheckAction[] } {
  const done = (conclusion: CheckConclusion, actions: CheckAction[] = []) => ({
    status: 'completed' as const,
    conclusion,
    actions,
  });
  switch (stage.state) {
    case 'queued':
      return { status: 'queued', actions: [] };
    case 'running':
      return { status: 'in_progress', actions: [CANCEL] };
    case 'waiting':
      // The build is parked (its job ended) only for people: an approval or a manual gate.
      // A stage waiting on a lock is part of a running build and still in progress.
      return record.state === 'waiting'
        ? done('action_required', [APPROVE, REJECT])
        : { status: 'in_progress', actions: [CANCEL] };
    case 'success':
      return done(stage.steps.some((s) => s.state === 'failure') ? 'neutral' : 'success');
    case 'failure':
    case 'error':
      return done(timedOut(stage) ? 'timed_out' : 'failure');
    case 'cancelled':
      return done(TIMED_OUT.test(stage.description ?? '') ? 'timed_out' : 'cancelled');
    case 'skipped':
      return done('skipped');
  }
}

function timedOut(stage: StageRecord): boolean {
  return stage.steps.some((s) => (s.state === 'failure' || s.state === 'error') && TIMED_OUT.test(s.reason ?? ''));
}

export const APPROVE: CheckAction = {
  label: 'Approve deploy',
  description: 'Approve this deploy as yourself',
  identifier: 'approve',
};
export const REJECT: CheckAction = { label: 'Reject', description: 'Reject this deploy', identifier: 'reject' };
export const CANCEL: CheckAction = { label: 'Cancel', description: 'Cancel this build', identifier: 'cancel' };
