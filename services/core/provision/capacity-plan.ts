import type { ProvisionerSettings } from './provisioner-settings.js';
import { ACTIVE_STATES, failureReason, type ProvisionRecord } from './provision-record.js';

/** A step's task that the swarm has not placed for want of a suitable node. */
export interface WaitingTask {
  service: string;
  /** The swarm's id of the waiting task. */
  taskId: string;
  constraints: string[];
  buildId?: string;
  step?: string;
  /**
   * Held back for want of free CPUs or memory (the swarm said "insufficient resources"), with
   * what it reserves: nodes with its labels exist, but none has room (SLIPWAY_RESERVE_STEP_RESOURCES).
   */
  starved?: { nanoCpus?: number; memoryBytes?: number };
}

/** A swarm node as the loop sees it. */
export interface NodeView {
  id: string;
  labels: Record<string, string>;
  state: string;
  availability: string;
  /** Slipway tasks on it that have not ended. */
  tasks: number;
  /** `worker` or `manager`, when known. */
  role?: string;
  /** When it joined the swarm (ISO), when known. */
  createdAt?: string;
  /** What it has in all (the engine's CPUs in billionths, its memory), when known. */
  nanoCpus?: number;
  memoryBytes?: number;
}

/** How far the manager's clock and the executor's may differ when a node's age is judged. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Why a node a report names cannot be the one a request started, or undefined when it can:
 * it must be in the swarm, a worker, joined after the request was made, and no other
 * request's node. (A report carries only the request's token, which the machine's user data
 * holds: it must not be able to get an ordinary node labelled, drained and removed.) Pure.
 */
export function reportedNodeProblem(
  nodeId: string,
  requestedAt: string,
  nodes: readonly NodeView[],
  othersNodes: ReadonlySet<string>,
): string | undefined {
  const node = nodes.find((n) => n.id === nodeId);
  if (!node) return `the node it reported (${nodeId}) is not in the swarm`;
  if (othersNodes.has(nodeId)) return `the node it reported (${nodeId}) belongs to another request`;
  if (node.role !== undefined && node.role !== 'worker') return `the node it reported (${nodeId}) is a ${node.role}`;
  if (node.createdAt !== undefined && Date.parse(node.createdAt) < Date.parse(requestedAt) - CLOCK_SKEW_MS)
    return `the node it reported (${nodeId}) was in the swarm before the request`;
  return undefined;
}

export type CapacityAction =
  | {
      kind: 'request';
      id: string;
      provisioner: string;
      labels: Record<string, string>;
      reason: ProvisionRecord['reason'];
    }
  | { kind: 'give-up'; id: string; reason: string }
  | { kind: 'drain'; id: string }
  | { kind: 'remove'; id: string }
  | { kind: 'resume'; id: string }
  | { kind: 'busy'; id: string };

const LABEL_CONSTRAINT = /^node\.labels\.([A-Za-z0-9][A-Za-z0-9_.-]*)\s*==\s*([A-Za-z0-9_.-]+)$/;

/**
 * The labels a step's placement asks for (`node.labels.X==Y`, besides `node.role==worker`,
 * which a provisioned node meets), or undefined when it asks for anything a new node cannot
 * promise (a node id, a host name, `!=`): such a step is never provisioned for.
 */
export function wantedLabels(constraints: readonly string[]): Record<string, string> | undefined {
  const wanted: Record<string, string> = {};
  for (const raw of constraints) {
    const c = raw.trim();
    if (/^node\.role\s*==\s*worker$/.test(c)) continue;
    const m = LABEL_CONSTRAINT.exec(c);
    if (!m) return undefined;
    wanted[m[1]!] = m[2]!;
  }
  return Object.keys(wanted).length > 0 ? wanted : undefined;
}

/** How long a node that just joined counts as on its way for a starved task: the swarm places within seconds. */
const FRESH_NODE_MS = 5_000;

/** The most nodes one starved step asks for, when the swarm keeps giving its node to another step. */
export const MAX_STARVED_ATTEMPTS = 3;

/** The request ids a starved step may use, in order: its own, then `-2`, `-3`. */
export function starvedAttempts(base: string): string[] {
  return Array.from({ length: MAX_STARVED_ATTEMPTS }, (_, i) => (i === 0 ? base : `${base}-${i + 1}`));
}

/** Whether a node as big as the largest of `nodes` could take the reservation at all (unknown sizes: yes). */
function fits(reserved: NonNullable<WaitingTask['starved']>, nodes: readonly NodeView[]): boolean {
  const most = (key: 'nanoCpus' | 'memoryBytes') =>
    nodes.some((n) => n[key] === undefined) ? Infinity : Math.max(...nodes.map((n) => n[key]!));
  return (reserved.nanoCpus ?? 0) <= most('nanoCpus') && (reserved.memoryBytes ?? 0) <= most('memoryBytes');
}

const supplies = (p: ProvisionerSettings, wanted: Record<string, string>) =>
  Object.entries(wanted).every(([k, v]) => p.labels[k] === v);

/**
 * What the capacity loop does now, given the waiting tasks, the provisioners, the records and
 * the swarm's nodes (pure; `requestId(task)` names the request of a waiting task, the same
 * after a restart, so one waiting step is one request):
 *
 * - a waiting task with a provisionable placement, no request of its own, no active node or
 *   request that could take it, and a provisioner that supplies its labels and is under its
 *   maximum: `request` (at most one per tick and provisioner slot); a task held back for want
 *   of free resources (`starved`) counts only nodes on their way or joined in the last few
 *   seconds as able to take it (the ready ones are full), and is not provisioned for when it
 *   reserves more than the largest node with its labels has in all (a node like it would not do);
 * - a `starting` request past its provisioner's join timeout: `give-up`;
 * - a `joined` node with Slipway tasks, or with a workspace of an unfinished build (`held`:
 *   between its steps, an approval or a manual gate): `busy` (its idle time starts again);
 * - a `joined` node idle for its provisioner's idle timeout: `drain`;
 * - a `joined` node no longer in the swarm (removed by hand): `remove` (its machine is stopped);
 * - a `draining` node an unfinished build has come to hold a workspace on: `resume` (active again);
 * - a `draining` node with no Slipway task left: `remove`.
 */
export function planCapacity(input: {
  waiting: readonly WaitingTask[];
  provisioners: readonly ProvisionerSettings[];
  records: readonly ProvisionRecord[];
  nodes: readonly NodeView[];
  /** The nodes unfinished builds keep workspaces on. */
  held?: ReadonlySet<string>;
  now: Date;
  requestId: (task: WaitingTask) => string;
}): CapacityAction[] {
  const actions: CapacityAction[] = [];
  const now = input.now.getTime();
  const byName = new Map(input.provisioners.map((p) => [p.name, p]));
  const nodes = new Map(input.nodes.map((n) => [n.id, n]));
  const active = input.records.filter((r) => ACTIVE_STATES.has(r.state));
  const count = new Map<string, number>();
  for (const r of active) count.set(r.provisioner, (count.get(r.provisioner) ?? 0) + 1);

  for (const r of active) {
    const p = byName.get(r.provisioner);
    if (r.state === 'starting') {
      const limit = p?.joinTimeoutMs ?? 180_000;
      if (!r.report && now - Date.parse(r.requestedAt) > limit)
        actions.push({
          kind: 'give-up',
          id: r.id,
          reason: failureReason(
            r.provisioner,
            r.labels,
            `started a node that did not join within ${Math.round(limit / 1000)}s`,
          ),
        });
    } else if (r.state === 'joined') {
      const node = r.nodeId ? nodes.get(r.nodeId) : undefined;
      if (!node) actions.push({ kind: 'remove', id: r.id });
      else if (node.tasks > 0 || input.held?.has(node.id)) actions.push({ kind: 'busy', id: r.id });
      else if (now - Date.parse(r.busyAt ?? r.joinedAt ?? r.requestedAt) >= (p?.idleTimeoutMs ?? 300_000))
        actions.push({ kind: 'drain', id: r.id });
    } else if (r.state === 'draining') {
      const node = r.nodeId ? nodes.get(r.nodeId) : undefined;
      if (node && input.held?.has(node.id)) actions.push({ kind: 'resume', id: r.id });
      else if (!node || node.tasks === 0) actions.push({ kind: 'remove', id: r.id });
    }
  }

  const known = new Set(input.records.map((r) => r.id));
  const byId = new Map(input.records.map((r) => [r.id, r]));
  const coming = active.filter((r) => r.state === 'starting').map((r) => r.labels);
  // On its way for this one, or joined a moment ago (the swarm has not placed there yet).
  const onItsWay = (r: ProvisionRecord | undefined) =>
    r !== undefined &&
    (r.state === 'starting' || (r.state === 'joined' && now - Date.parse(r.joinedAt ?? r.requestedAt) < FRESH_NODE_MS));
  for (const task of input.waiting) {
    const wanted = wantedLabels(task.constraints);
    if (!wanted) continue;
    const base = input.requestId(task);
    const matches = (labels: Record<string, string>) => Object.entries(wanted).every(([k, v]) => labels[k] === v);
    const up = input.nodes.filter((n) => n.state === 'ready' && n.availability === 'active' && matches(n.labels));
    let id = base;
    if (task.starved && up.length > 0) {
      // Starved while nodes with its labels are up: they are full. Only a node asked for this
      // very step counts (another's is taken by that one); when the swarm gave its node to
      // another step, it asks again, at most MAX_STARVED_ATTEMPTS times. (The swarm says
      // "insufficient resources" also when no node has the labels: then as usual, below.)
      const attempts = starvedAttempts(base);
      if (attempts.some((a) => onItsWay(byId.get(a))) || !fits(task.starved, up)) continue;
      const next = attempts.find((a) => !known.has(a));
      if (!next) continue;
      id = next;
    } else {
      if (known.has(base)) continue;
      // A node that can take it, up or on its way, will: a second one would stay idle.
      if (up.length > 0 || coming.some(matches)) continue;
    }
    const provisioner = input.provisioners.find((p) => supplies(p, wanted) && (count.get(p.name) ?? 0) < p.maxNodes);
    if (!provisioner) continue;
    count.set(provisioner.name, (count.get(provisioner.name) ?? 0) + 1);
    known.add(id);
    coming.push(provisioner.labels);
    actions.push({
      kind: 'request',
      id,
      provisioner: provisioner.name,
      labels: { ...provisioner.labels },
      reason: {
        service: task.service,
        ...(task.buildId ? { buildId: task.buildId } : {}),
        ...(task.step ? { step: task.step } : {}),
        wanted,
        ...(task.starved && up.length > 0 ? { full: true } : {}),
      },
    });
  }
  return actions;
}
