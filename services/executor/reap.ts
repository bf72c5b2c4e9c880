import { isFinal } from '../core/builds/types.js';
import type { BuildStore } from '../shared/ports/build-store.js';
import type { Logger } from '../shared/logger.js';
import type { Backend } from './backend/types.js';

/**
 * Removes what is left on the engine of builds that are over (or unknown to Slipway): what a
 * dead executor left behind, orphaned containers of finished builds included, and then what
 * they left on other nodes (`cleanupNodes`). Builds still running are left to the executor
 * that resumes them.
 */
export async function reap(backend: Backend, store: BuildStore, logger: Logger): Promise<string[]> {
  const reaped: string[] = [];
  for (const buildId of await backend.buildsPresent()) {
    const record = await store.get(buildId);
    if (record && !isFinal(record.state)) continue;
    await backend.teardownBuild(buildId);
    reaped.push(buildId);
  }
  if (reaped.length > 0) logger.info('reaped leftovers of finished builds', { builds: reaped });
  // Their volumes and containers on other nodes are not this engine's to see: a job on each node removes them.
  if (reaped.length > 0 && backend.cleanupNodes) {
    const said = await backend.cleanupNodes(reaped);
    if (said.length > 0) logger.info('cleaned finished builds up on every node', { lines: said });
  }
  return reaped;
}
