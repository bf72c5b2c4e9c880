import type { BuildRequest } from '../core/builds/types.js';
import type { BuildStore } from '../shared/ports/build-store.js';
import type { Queues } from '../shared/ports/queues.js';

/** Contract B's input (services/shared/rerun.ts, written by the api helper). */
export interface RerunInput {
  buildId: string;
  failedOnly: boolean;
  stage?: string;
  by: string;
  via: 'api' | 'cli' | 'dashboard' | 'check_suite' | 'check_run';
  /** The same key (a webhook's delivery id) queues one re-run. */
  key?: string;
}

export type RequestRerun = (input: RerunInput) => Promise<{ buildId: string }>;

/**
 * The one call site of contract B's `requestRerun` for the Checks tab's buttons. Until
 * services/shared/rerun.ts is on main this stand-in queues the same request again under a new
 * id (the whole build, even for `failedOnly`); when it lands, start-approver.ts passes
 * `(input) => requestRerun({ state }, input)` instead and this function goes.
 */
export function queueRerunAgain(deps: { builds: Pick<BuildStore, 'get'>; queues: Queues }): RequestRerun {
  return async (input) => {
    const original = await deps.builds.get(input.buildId);
    if (!original) throw new Error(`no build ${input.buildId}`);
    const id = `rerun-${input.key ?? `${input.buildId}-${Date.now()}`}`;
    const request: BuildRequest = { ...original.request, id, sender: input.by };
    await deps.queues.add('requests', { request, receivedAt: new Date().toISOString() }, { jobId: id });
    return { buildId: id };
  };
}
