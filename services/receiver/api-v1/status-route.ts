import type { Context } from 'koa';
import type { BuildRecord } from '../../core/builds/record.js';
import type { BuildStore } from '../../shared/ports/build-store.js';
import type { ExecutorPresence, SwarmNodeView } from '../../shared/ports/executor-presence.js';
import type { QueueCensus, QueueCount } from '../../shared/ports/queue-census.js';
import type { Provisions } from '../../shared/ports/provisions.js';
import { provisionedNodeViews, type ProvisionedNodeView } from './provisioned-node-view.js';
import { visibleBuilds, type RepoAccess } from '../auth/index.js';

export interface StatusDeps {
  builds: BuildStore;
  access: RepoAccess;
  census?: QueueCensus;
  presence?: ExecutorPresence;
  provisions?: Provisions;
}

/** `GET /api/v1/status` as the OpenAPI document describes it (`Status`). */
export interface StatusAnswer {
  queues: QueueCount[];
  executors: Array<{
    id: string;
    hostname: string;
    concurrency: number;
    /** The builds it runs that the caller may read. */
    builds: string[];
    /** How many more it runs that the caller may not read. */
    otherBuilds: number;
    seenAt: string;
  }>;
  nodes: SwarmNodeView[];
  /** Nodes asked of provisioners, newest first (docs/operations.md, "Nodes on demand"). */
  provisionedNodes: ProvisionedNodeView[];
  at: string;
}

/**
 * What Slipway is doing, for `slipway status` (scope `read`): every queue counted, the
 * executors alive (their heartbeats) with the builds they run, and the swarm's nodes as the
 * executor that reported last saw them. A build the caller may not read is counted, not named.
 */
export function statusRoute(deps: StatusDeps) {
  return async (ctx: Context): Promise<void> => {
    const now = Date.now();
    const [queues, executors] = await Promise.all([deps.census?.count(now) ?? [], deps.presence?.list() ?? []]);
    const running = [...new Set(executors.flatMap((e) => e.builds))];
    const records = (await Promise.all(running.map((id) => deps.builds.get(id)))).filter(
      (b): b is BuildRecord => b !== undefined,
    );
    const provisioned = (await deps.provisions?.list()) ?? [];
    const asked = [...new Set(provisioned.map((p) => p.reason.buildId).filter((id): id is string => !!id))];
    const askers = (await Promise.all(asked.map((id) => deps.builds.get(id)))).filter(
      (b): b is BuildRecord => b !== undefined,
    );
    const readable = new Set((await visibleBuilds(ctx, [...records, ...askers], deps.access)).map((b) => b.id));
    const newest = [...executors].filter((e) => e.nodes.length > 0).sort((a, b) => b.seenAt.localeCompare(a.seenAt))[0];
    const answer: StatusAnswer = {
      queues,
      executors: executors.map((e) => ({
        id: e.id,
        hostname: e.hostname,
        concurrency: e.concurrency,
        builds: e.builds.filter((id) => readable.has(id)),
        otherBuilds: e.builds.filter((id) => !readable.has(id)).length,
        seenAt: e.seenAt,
      })),
      nodes: newest?.nodes ?? [],
      provisionedNodes: provisionedNodeViews(provisioned, readable, new Date(now)),
      at: new Date(now).toISOString(),
    };
    ctx.body = answer;
  };
}
