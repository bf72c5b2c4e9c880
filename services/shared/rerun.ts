import { randomUUID } from 'node:crypto';
import type { RequestOrigin } from '../core/audit/audit-entry.js';
import { rerunSteps } from '../core/builds/rerun-plan.js';
import { isFinal, type BuildRequest } from '../core/builds/types.js';
import { RerunRefused } from '../core/errors/rerun-refused.js';
import { buildIdFor } from '../core/plan/naming.js';
import type { State } from './ports/state.js';
import { SECRET_PARAMS_TTL_MS } from './secret-params.js';

/** Contract B: who asks for which re-run, from where. */
export interface RerunInput {
  buildId: string;
  /** Only the steps that did not pass run again; the others are carried as "passed in build X". */
  failedOnly: boolean;
  /** From this stage on (see rerunSteps). */
  stage?: string;
  /** The login of the person asking (or `operator`, `slipway`). */
  by: string;
  via: 'api' | 'cli' | 'dashboard' | 'check_suite' | 'check_run';
  /** Where the request came from, for the audit trail. */
  from?: RequestOrigin;
  /**
   * Makes the re-run idempotent: the same key (a webhook's delivery id) queues one re-run.
   * Without it every call makes a new build.
   */
  key?: string;
}

export interface RerunDeps {
  /** `secretParams`: a manual run's secret parameters are kept again for the re-run's request. */
  state: Pick<State, 'builds' | 'queues' | 'audit'> & Partial<Pick<State, 'secretParams'>>;
  now?: () => Date;
}

/**
 * Re-runs a finished build (contract B): a new build (new id) of the same repository, commit
 * and ref, planned again from the spec at that commit (so it reuses nothing but the plan:
 * no workspace, no artifacts), linked by `rerunOf` on its request and record. With
 * `failedOnly` only the steps that did not pass run. Queued like any request (the planner
 * plans it, then the executor runs it), and audited as `rerun`.
 *
 * Throws RerunRefused: no such build, not finished yet, nothing failed, no such stage.
 * Callers check who may ask (write permission) before calling.
 */
export async function requestRerun(deps: RerunDeps, input: RerunInput): Promise<{ buildId: string }> {
  const original = await deps.state.builds.get(input.buildId);
  if (!original) throw new RerunRefused('not-found', `no build ${input.buildId}`);
  if (!isFinal(original.state))
    throw new RerunRefused('not-finished', `build ${input.buildId} is still ${original.state}; cancel it first`);
  const chosen = rerunSteps(original, { failedOnly: input.failedOnly, ...(input.stage ? { stage: input.stage } : {}) });
  if (!chosen.ok) throw new RerunRefused(chosen.reason, chosen.message);
  const id = `rerun-${input.key ?? randomUUID()}`;
  const request: BuildRequest = {
    ...original.request,
    id,
    sender: input.by,
    rerunOf: { buildId: original.id, ...(chosen.steps ? { steps: chosen.steps } : {}) },
  };
  const at = (deps.now ?? (() => new Date()))().toISOString();
  const buildId = buildIdFor(id);
  // Secret parameters are kept by request id: the re-run's request needs them under its own.
  if (request.secretParams?.length && deps.state.secretParams) {
    const kept = await deps.state.secretParams.get(original.request.id);
    if (Object.keys(kept).length > 0) await deps.state.secretParams.put(id, kept, SECRET_PARAMS_TTL_MS);
  }
  await deps.state.queues.add('requests', { request, receivedAt: at }, { jobId: id });
  await deps.state.audit.append({
    kind: 'rerun',
    id: `rerun-${buildId}`,
    at,
    buildId,
    repo: `${original.request.repo.owner}/${original.request.repo.name}`,
    actor: input.by,
    of: original.id,
    failedOnly: input.failedOnly,
    via: input.via,
    ...(input.stage ? { stage: input.stage } : {}),
    ...(input.from ? { from: input.from } : {}),
  });
  return { buildId };
}
