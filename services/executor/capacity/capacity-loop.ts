import { createHash, randomBytes } from 'node:crypto';
import { bootstrapScript } from '../../core/provision/bootstrap-script.js';
import { planCapacity, reportedNodeProblem, type CapacityAction } from '../../core/provision/capacity-plan.js';
import {
  failureReason,
  PROVISIONED_LABEL,
  ranForSeconds,
  requestIdFor,
  type ProvisionRecord,
} from '../../core/provision/provision-record.js';
import type { ProvisionerSettings } from '../../core/provision/provisioner-settings.js';
import type { Logger } from '../../shared/logger.js';
import type { Provisions } from '../../shared/ports/provisions.js';
import type { MachineRef, NodeProvisioner } from '../../shared/provision/provisioner.js';
import type { CapacitySwarm } from '../backend/swarm-capacity.js';

/** What the loop reports to `/metrics` (services/shared/metrics/metrics.ts). */
export interface CapacityMetrics {
  provisionedNodes: { reset(): void; set(labels: { provisioner: string; state: string }, value: number): void };
  provisionedNodeSeconds: { inc(labels: { provisioner: string }, value: number): void };
  provisionFailures: { inc(labels: { provisioner: string }): void };
}

export interface CapacityLoopDeps {
  swarm: CapacitySwarm;
  provisions: Provisions;
  provisioners: ReadonlyMap<string, NodeProvisioner>;
  settings: readonly ProvisionerSettings[];
  /** What nodes are told to report to (the callback server, provision-callback.ts). */
  callbackUrl: string;
  /** `host:port` nodes join at; default: this manager's own address. */
  managerAddress?: string;
  /** Names this replica for the lease. */
  holder: string;
  logger: Logger;
  /**
   * Whether a build has ended (or is unknown): its holds on nodes (workspaces, `Provisions.holdNode`)
   * are then released. Without it, every hold counts until the build's teardown releases it.
   */
  buildEnded?: (buildId: string) => Promise<boolean>;
  metrics?: CapacityMetrics;
  now?: () => Date;
  intervalMs?: number;
}

/**
 * The capacity loop: every `intervalMs` (2 s), while this replica holds the lease (one acts at
 * a time), it applies the nodes' reports (label a joined node from the record; a failed one
 * is given up on), asks `planCapacity` (pure) what to do about the steps waiting for want of a
 * node and the provisioned nodes, and does it: start a node (asynchronously: the record first,
 * so one waiting step makes one request), give up, mark busy, drain, remove and stop. Worker
 * join tokens are rotated once no request is waiting to join. `tick` is exposed for tests.
 */
export function startCapacityLoop(deps: CapacityLoopDeps): { tick(): Promise<void>; stop(): Promise<void> } {
  const now = deps.now ?? (() => new Date());
  const interval = deps.intervalMs ?? 2_000;
  /** The starts in flight in this process, by request id: their own end settles a request given up on meanwhile. */
  const starts = new Map<string, Promise<void>>();
  /** The removals in flight in this process, by request id. */
  const removals = new Map<string, Promise<void>>();
  let running: Promise<void> | undefined;
  let stopped = false;

  // Field by field: the callback writes reports and a start in flight its machine id meanwhile.
  const update = (id: string, change: (r: ProvisionRecord) => ProvisionRecord | undefined) =>
    deps.provisions.update(id, change);

  // By request id too: a start cut short (a crash, a kill) may have made a machine it never named.
  const stopMachine = async (r: ProvisionRecord) => {
    const provisioner = deps.provisioners.get(r.provisioner);
    const machine: MachineRef = {
      provisioner: r.provisioner,
      requestId: r.id,
      ...(r.machineId ? { machineId: r.machineId } : {}),
    };
    if (provisioner) await provisioner.stop(machine);
  };

  const rotateIfNoneWaiting = async () => {
    const records = await deps.provisions.list();
    if (records.some((r) => r.state === 'starting' && !r.report)) return;
    await deps.swarm.rotateWorkerToken();
  };

  const request = async (action: Extract<CapacityAction, { kind: 'request' }>) => {
    const provisioner = deps.provisioners.get(action.provisioner)!;
    const token = randomBytes(24).toString('hex');
    const record: ProvisionRecord = {
      id: action.id,
      provisioner: action.provisioner,
      labels: action.labels,
      reason: action.reason,
      state: 'starting',
      tokenHash: createHash('sha256').update(token).digest('hex'),
      requestedAt: now().toISOString(),
    };
    if (!(await deps.provisions.create(record))) return;
    deps.logger.info('provisioning a node', {
      request: action.id,
      provisioner: action.provisioner,
      labels: action.labels,
    });
    try {
      const managerAddress = deps.managerAddress ?? (await deps.swarm.managerAddress());
      const start = {
        id: action.id,
        labels: action.labels,
        bootstrap: bootstrapScript({
          joinToken: await deps.swarm.workerJoinToken(),
          managerAddress,
          labels: action.labels,
          callbackUrl: deps.callbackUrl,
          callbackToken: token,
          requestId: action.id,
        }),
      };
      const machine = await startWithRetries(provisioner, start, record);
      const kept = await update(action.id, (r) => ({ ...r, machineId: machine.machineId }));
      // Given up on while it started: nothing of it may stay.
      if (kept?.state === 'failed') await settleFailed(kept);
    } catch (err) {
      const what = `could not start a node: ${(err as Error).message}`;
      deps.logger.warn('a provisioner failed', { request: action.id, provisioner: action.provisioner, err });
      const failed = await update(action.id, (r) =>
        r.state === 'starting'
          ? {
              ...r,
              state: 'failed',
              failure: failureReason(r.provisioner, r.labels, what),
              endedAt: now().toISOString(),
            }
          : undefined,
      );
      if (failed) deps.metrics?.provisionFailures.inc({ provisioner: failed.provisioner });
      await rotateIfNoneWaiting().catch((e: unknown) => deps.logger.warn('join token rotation failed', { err: e }));
    }
  };

  /**
   * `start`, again after an error that says a retry can help (a 503, a rate limit, a network
   * error: `retryable`), with the same request (starts are idempotent per request), backing
   * off from 2 s to 30 s, while the request still waits and its join timeout leaves room.
   */
  const startWithRetries = async (
    provisioner: NodeProvisioner,
    start: Parameters<NodeProvisioner['start']>[0],
    record: ProvisionRecord,
  ) => {
    const until = Date.parse(record.requestedAt) + joinTimeoutOf(record);
    for (let attempt = 1; ; attempt++) {
      try {
        return await provisioner.start(start);
      } catch (err) {
        const wait = Math.min(30_000, 2_000 * 2 ** (attempt - 1));
        const retryable = (err as { retryable?: unknown }).retryable === true;
        if (!retryable || stopped || now().getTime() + wait >= until) throw err;
        if ((await deps.provisions.get(record.id))?.state !== 'starting') throw err;
        deps.logger.warn('a provisioner failed; asking again', {
          request: record.id,
          provisioner: record.provisioner,
          inMs: wait,
          err,
        });
        // In short naps: a loop being stopped does not wait out the back-off.
        for (const until = Date.now() + wait; !stopped && Date.now() < until;)
          await new Promise((resolve) => setTimeout(resolve, Math.min(250, until - Date.now())));
        if (stopped) throw err;
      }
    }
  };

  const joinTimeoutOf = (r: ProvisionRecord) =>
    deps.settings.find((p) => p.name === r.provisioner)?.joinTimeoutMs ?? 180_000;

  /**
   * A failed request: its machine stopped, and a node that joined late removed from the swarm,
   * but only one the request can have started (a report that names another node is refused
   * here too: the token that sent it is in the machine's user data, not proof of anything).
   */
  const settleFailed = async (r: ProvisionRecord) => {
    const reported = r.report && 'nodeId' in r.report && !r.reportRefused ? r.report.nodeId : undefined;
    const nodeId = reported && !(await reportProblem(r, reported)) ? reported : undefined;
    if (nodeId) await deps.swarm.removeNode(nodeId);
    await stopMachine(r);
    await update(r.id, (x) => ({ ...x, ...(nodeId ? { nodeId } : {}), settled: true }));
  };

  const reportProblem = async (r: ProvisionRecord, nodeId: string) => {
    const others = new Set(
      (await deps.provisions.list()).filter((o) => o.id !== r.id && o.nodeId).map((o) => o.nodeId!),
    );
    return reportedNodeProblem(nodeId, r.requestedAt, await deps.swarm.nodes(), others);
  };

  const applyReports = async (records: ProvisionRecord[]) => {
    for (const r of records)
      await applyReport(r).catch((err: unknown) =>
        deps.logger.warn('a node report could not be applied; the next tick tries again', { request: r.id, err }),
      );
  };

  const applyReport = async (r: ProvisionRecord) => {
    if (r.state === 'starting' && r.report && 'nodeId' in r.report) {
      const problem = await reportProblem(r, r.report.nodeId);
      if (problem) {
        // Not labelled, never drained or removed by Slipway: the machine it started is stopped.
        // The report stays, marked: the callback takes no second one for this request.
        const refused = await update(r.id, (x) =>
          x.state === 'starting'
            ? {
                ...x,
                state: 'failed',
                reportRefused: true,
                failure: failureReason(r.provisioner, r.labels, `its report was refused: ${problem}`),
                endedAt: now().toISOString(),
              }
            : undefined,
        );
        if (!refused) return;
        deps.metrics?.provisionFailures.inc({ provisioner: r.provisioner });
        deps.logger.warn('a node report was refused', { request: r.id, node: r.report.nodeId, problem });
        await rotateIfNoneWaiting();
        return;
      }
      await deps.swarm.labelNode(r.report.nodeId, { ...r.labels, [PROVISIONED_LABEL]: 'true' });
      const at = now().toISOString();
      const { nodeId, hostname } = r.report;
      await update(r.id, (x) =>
        x.state === 'starting'
          ? { ...x, state: 'joined', nodeId, ...(hostname ? { hostname } : {}), joinedAt: at, busyAt: at }
          : undefined,
      );
      deps.logger.info('a provisioned node joined', { request: r.id, node: r.report.nodeId, labels: r.labels });
      await rotateIfNoneWaiting();
    } else if (r.state === 'starting' && r.report && 'failed' in r.report) {
      const why = `started a node that could not join: ${r.report.failed}`;
      const failed = await update(r.id, (x) =>
        x.state === 'starting'
          ? {
              ...x,
              state: 'failed',
              failure: failureReason(r.provisioner, r.labels, why),
              endedAt: now().toISOString(),
            }
          : undefined,
      );
      if (!failed) return;
      deps.metrics?.provisionFailures.inc({ provisioner: r.provisioner });
      await rotateIfNoneWaiting();
    } else if (r.state === 'failed' && !r.settled && !starts.has(r.id)) {
      // A start that failed may still be making its machine (a timeout, a lost answer): it is
      // stopped, and a late node's report taken and checked, once its join timeout has passed.
      const startFailed = !r.machineId && !r.report;
      if (startFailed && now().getTime() < Date.parse(r.requestedAt) + joinTimeoutOf(r)) return;
      await settleFailed(r);
    }
  };

  const act = async (action: CapacityAction) => {
    if (action.kind === 'request') {
      starts.set(
        action.id,
        request(action).finally(() => starts.delete(action.id)),
      );
      return;
    }
    const at = now().toISOString();
    if (action.kind === 'give-up') {
      const failed = await update(action.id, (r) =>
        r.state === 'starting' ? { ...r, state: 'failed', failure: action.reason, endedAt: at } : undefined,
      );
      deps.logger.warn('gave up on a node', { request: action.id, reason: action.reason });
      if (failed) deps.metrics?.provisionFailures.inc({ provisioner: failed.provisioner });
      // A start still in flight here settles it when it ends (stopping a machine being made races its making).
      if (failed && !starts.has(failed.id)) await settleFailed(failed);
      await rotateIfNoneWaiting();
    } else if (action.kind === 'busy') {
      await update(action.id, (r) => (r.state === 'joined' ? { ...r, busyAt: at } : undefined));
    } else if (action.kind === 'drain') {
      const r = await deps.provisions.get(action.id);
      // Paused first, not drained: a task placed there since the idle check runs to its end
      // (a drain would shut it down); `remove` drains once no Slipway task is left.
      if (r?.nodeId) await deps.swarm.pauseNode(r.nodeId);
      await update(action.id, (x) => (x.state === 'joined' ? { ...x, state: 'draining', drainingAt: at } : undefined));
      deps.logger.info('draining an idle provisioned node', { request: action.id, node: r?.nodeId });
    } else if (action.kind === 'resume') {
      // A build came to keep a workspace there while it was paused: its next step is pinned there.
      const r = await deps.provisions.get(action.id);
      if (r?.nodeId) await deps.swarm.activateNode(r.nodeId);
      await update(action.id, (x) => {
        if (x.state !== 'draining') return undefined;
        const back: ProvisionRecord = { ...x, state: 'joined', busyAt: at };
        delete back.drainingAt;
        return back;
      });
      deps.logger.info('a draining provisioned node is kept: a build holds a workspace there', { request: action.id });
    } else if (!removals.has(action.id)) {
      // Apart from the tick, as starts are: a slow stop (a provisioner's command) must not stall the loop.
      removals.set(
        action.id,
        remove(action.id, at)
          .catch((err: unknown) =>
            deps.logger.warn('a provisioned node could not be removed; the next tick tries again', {
              request: action.id,
              err,
            }),
          )
          .finally(() => removals.delete(action.id)),
      );
    }
  };

  /** Out of the swarm (a node gone already is fine), then its machine stopped; a failure is tried again. */
  const remove = async (id: string, at: string) => {
    const r = await deps.provisions.get(id);
    if (!r) return;
    // A checkout that just ended there may have written its hold since the tick looked: the next tick resumes it.
    if (r.nodeId && (await heldNodes()).has(r.nodeId)) return;
    if (r.nodeId) {
      await deps.swarm.drainNode(r.nodeId);
      await deps.swarm.removeNode(r.nodeId);
    }
    await stopMachine(r);
    const ended = (await update(r.id, (x) => ({ ...x, state: 'removed', endedAt: at }))) ?? r;
    deps.metrics?.provisionedNodeSeconds.inc({ provisioner: r.provisioner }, ranForSeconds(ended, now()));
    deps.logger.info('removed a provisioned node', {
      request: r.id,
      node: r.nodeId,
      ranForSeconds: ranForSeconds(ended, now()),
    });
  };

  /** The nodes unfinished builds keep workspaces on; the holds of builds that ended (a teardown missed) go. */
  const heldNodes = async (): Promise<Set<string>> => {
    const holds = await deps.provisions.holds();
    const ended = new Map<string, boolean>();
    for (const { buildId } of holds)
      if (deps.buildEnded && !ended.has(buildId)) ended.set(buildId, await deps.buildEnded(buildId));
    for (const [buildId, gone] of ended) if (gone) await deps.provisions.releaseNodes(buildId);
    return new Set(holds.filter((h) => !ended.get(h.buildId)).map((h) => h.nodeId));
  };

  const tick = async () => {
    if (!(await deps.provisions.lease(deps.holder, interval * 5))) {
      // Only the acting replica reports the gauges, so a sum over replicas counts each node once.
      deps.metrics?.provisionedNodes.reset();
      return;
    }
    await applyReports(await deps.provisions.list());
    const [waiting, nodes, records, held] = await Promise.all([
      deps.swarm.waitingTasks(),
      deps.swarm.nodes(),
      deps.provisions.list(),
      heldNodes(),
    ]);
    const actions = planCapacity({
      waiting,
      provisioners: deps.settings,
      records,
      nodes,
      held,
      now: now(),
      requestId: (task) => requestIdFor(task.service, task.taskId),
    });
    for (const action of actions) {
      // Renewed before each: actions take time, and a replica that lost the lease must stop acting.
      if (!(await deps.provisions.lease(deps.holder, interval * 5))) return;
      try {
        await act(action);
      } catch (err) {
        deps.logger.warn('a capacity action failed; the next tick tries again', {
          action: action.kind,
          id: action.id,
          err,
        });
      }
    }
    if (deps.metrics) report(deps.metrics, await deps.provisions.list(), deps.settings);
  };

  const loop = async () => {
    while (!stopped) {
      running = tick().catch((err: unknown) => deps.logger.warn('capacity tick failed', { err }));
      await running;
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  };
  void loop();
  return {
    tick: async () => {
      await running;
      await tick();
    },
    async stop() {
      stopped = true;
      await running;
      await Promise.all([...starts.values(), ...removals.values()]);
    },
  };
}

function report(
  metrics: CapacityMetrics,
  records: readonly ProvisionRecord[],
  settings: readonly ProvisionerSettings[],
) {
  metrics.provisionedNodes.reset();
  for (const p of settings)
    for (const state of ['starting', 'joined', 'draining'] as const)
      metrics.provisionedNodes.set(
        { provisioner: p.name, state },
        records.filter((r) => r.provisioner === p.name && r.state === state).length,
      );
}
