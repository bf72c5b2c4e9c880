import type { BuildRecord } from '../core/builds/record.js';
import { buildIdFor } from '../core/plan/naming.js';
import type { SlipwayError } from '../core/errors/slipway-error.js';
import type { RequestJob } from '../shared/queues.js';
import { queueStatus } from '../shared/status-queue.js';
import { SPEC_FILE, type PlannerDeps } from './process-request.js';

/**
 * Runs once BullMQ has given up on a request job (the planner's `onGiveUp`). When GitHub kept
 * Slipway from reading the spec, for good (401, 403 refused, 404 repository) or for longer than
 * the retries (rate limits, outages), the build is recorded in `error` with the reason and
 * `error` is posted on `slipway/spec`, so the commit does not show nothing at all. Other
 * trouble (Redis), or a request that got as far as a build record, is left to the worker's log.
 * The status goes through the reporter's queue: when GitHub refuses that too (bad
 * credentials), that job fails and says so.
 */
export async function reportUnreadableSpec(
  job: RequestJob,
  err: SlipwayError,
  deps: Pick<PlannerDeps, 'builds' | 'queues' | 'publicUrl' | 'now'>,
): Promise<'reported' | 'not a GitHub error' | 'already recorded'> {
  if (!err.code.startsWith('github-')) return 'not a GitHub error';
  const { request } = job;
  const buildId = buildIdFor(request.id);
  const now = (deps.now ?? (() => new Date()))().toISOString();
  const specError = err.retryable
    ? `Slipway could not read ${SPEC_FILE}, retries spent: ${err.message}`
    : `Slipway could not read ${SPEC_FILE}: ${err.message}`;
  const record: BuildRecord = { id: buildId, request, state: 'error', createdAt: now, finishedAt: now, stages: [] };
  if (!(await deps.builds.create({ ...record, specError }))) return 'already recorded';
  const target = { buildId, repo: request.repo, sha: request.sha, publicUrl: deps.publicUrl };
  await queueStatus(deps.queues, target, { stage: 'spec', state: 'error', summary: specError });
  return 'reported';
}
