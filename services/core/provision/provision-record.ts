import { createHash } from 'node:crypto';

/**
 * A node Slipway asked a provisioner for, from the request to the node's end. Stored by the
 * `Provisions` port; its states, in order: `starting` (asked for, not yet reported),
 * `joined` (reported, labelled, running or waiting for tasks), `draining` (idle: set to drain,
 * its tasks awaited), then `removed` (out of the swarm, machine stopped) or `failed` (never
 * joined: the provisioner failed, the node reported a failed bootstrap, or the join timed out).
 */
export interface ProvisionRecord {
  /** The request id: derived from the waiting step's service and task, so one waiting task makes one request. */
  id: string;
  provisioner: string;
  /** The labels the node is given (the provisioner's), by the manager, from this record. */
  labels: Record<string, string>;
  /** Why it was started. */
  reason: {
    service: string;
    buildId?: string;
    step?: string;
    wanted: Record<string, string>;
    /** Nodes with those labels were up, but none had room for what the step reserves. */
    full?: boolean;
  };
  state: 'starting' | 'joined' | 'draining' | 'removed' | 'failed';
  /** sha-256 (hex) of the bearer token the node's report must carry. */
  tokenHash: string;
  requestedAt: string;
  joinedAt?: string;
  /** The last moment a Slipway task was seen on the node (its idle time counts from here). */
  busyAt?: string;
  drainingAt?: string;
  endedAt?: string;
  machineId?: string;
  nodeId?: string;
  hostname?: string;
  /** Why it failed, in words for the waiting step. */
  failure?: string;
  /** The node's report, once the callback accepted it (applied by the capacity loop). The first one stays. */
  report?: { nodeId: string; hostname?: string } | { failed: string };
  /** The report named a node the request cannot have started (`reportedNodeProblem`): that node is never touched. */
  reportRefused?: boolean;
  /** A failed request whose machine was stopped and whose late node (if any) was removed. */
  settled?: boolean;
}

/**
 * The label the manager adds to every node it provisioned, so Slipway's own services can be
 * kept off them (swarm-stack.yml: `node.labels.slipway.provisioned != true`): a step may run
 * anything on such a node, and it is removed when idle.
 */
export const PROVISIONED_LABEL = 'slipway.provisioned';

export const ACTIVE_STATES: ReadonlySet<ProvisionRecord['state']> = new Set(['starting', 'joined', 'draining']);

/** How long the node ran (joined to ended, or to `now`), in whole seconds; 0 when it never joined. */
export function ranForSeconds(record: ProvisionRecord, now: Date): number {
  if (!record.joinedAt) return 0;
  const end = record.endedAt ? Date.parse(record.endedAt) : now.getTime();
  return Math.max(0, Math.round((end - Date.parse(record.joinedAt)) / 1000));
}

/** Why it was started, in words: `step test of build b123 asked for pool=gpu`. */
export function startReason(record: Pick<ProvisionRecord, 'reason'>): string {
  const who =
    record.reason.step && record.reason.buildId
      ? `step ${record.reason.step} of build ${record.reason.buildId}`
      : `service ${record.reason.service}`;
  return `${who} asked for ${labelText(record.reason.wanted)}${record.reason.full ? ' (those nodes were full)' : ''}`;
}

export function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** What the waiting step is told when its node cannot be had. */
export function failureReason(provisioner: string, labels: Record<string, string>, what: string): string {
  return `no node with ${labelText(labels)}: provisioner "${provisioner}" ${what}`;
}

/**
 * The request id of a waiting step's task: the same in every replica and after a restart, and
 * new for a service made again under the same name (a build resumed after an approval makes
 * its checkout anew: its earlier request, ended since, must not stand for it).
 */
export function requestIdFor(service: string, taskId: string): string {
  return `pr-${createHash('sha256').update(`${service}\n${taskId}`).digest('hex').slice(0, 16)}`;
}

/** How long after its node joined a step still waits past its scheduling timeout: the swarm places it then. */
export const JOINED_GRACE_MS = 30_000;

/**
 * What a step waiting unscheduled is to make of its service's request: `pending` while a node
 * is on its way or has just joined (the scheduling timeout waits), `failed` with the reason
 * for the step; otherwise nothing (the scheduling timeout applies: a node that joined a while
 * ago and still did not take the step cannot, for reasons of its own).
 */
export function provisionVerdict(
  record: ProvisionRecord | undefined,
  now: Date,
): { pending: true } | { failed: string } | undefined {
  if (!record) return undefined;
  if (record.state === 'failed') return { failed: record.failure ?? `provisioner "${record.provisioner}" failed` };
  if (record.state === 'starting') return { pending: true };
  const joinedAt = Date.parse(record.joinedAt ?? record.requestedAt);
  if (record.state === 'joined' && now.getTime() - joinedAt < JOINED_GRACE_MS) return { pending: true };
  return undefined;
}
