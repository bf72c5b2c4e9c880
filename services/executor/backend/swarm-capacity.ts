import Docker from 'dockerode';
import type { NodeView, WaitingTask } from '../../core/provision/capacity-plan.js';
import { LABEL } from './swarm-service-spec.js';

/**
 * The swarm as the capacity loop (services/executor/capacity/) sees and changes it, on a
 * manager's engine: the Slipway steps waiting for want of a suitable node, the nodes with how
 * many Slipway tasks each runs, the worker join token and its rotation, and a node's labels,
 * availability and removal.
 */
export interface CapacitySwarm {
  waitingTasks(): Promise<WaitingTask[]>;
  nodes(): Promise<NodeView[]>;
  workerJoinToken(): Promise<string>;
  /** A new worker join token (`swarm update --rotate-worker-token`): the one handed out stops working. */
  rotateWorkerToken(): Promise<void>;
  /** Where this manager listens for joins (its `ManagerStatus.Addr`). */
  managerAddress(): Promise<string>;
  labelNode(id: string, labels: Record<string, string>): Promise<void>;
  /** Availability `pause`: no new task is placed there, those running run on. A node gone already is fine. */
  pauseNode(id: string): Promise<void>;
  /** Availability `drain`: the swarm moves or ends what still runs there. */
  drainNode(id: string): Promise<void>;
  /** Availability `active` again (a paused node a build still needs). */
  activateNode(id: string): Promise<void>;
  /** Removes the node from the swarm (forced: a drained node may still be up); gone already is fine. */
  removeNode(id: string): Promise<void>;
}

const ENDED = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);

interface Task {
  ID: string;
  ServiceID?: string;
  NodeID?: string;
  DesiredState?: string;
  Status?: { State?: string; Err?: string };
}
interface Service {
  ID: string;
  Spec?: {
    Name?: string;
    Labels?: Record<string, string>;
    TaskTemplate?: {
      Placement?: { Constraints?: string[] };
      Resources?: { Reservations?: { NanoCPUs?: number; MemoryBytes?: number } };
    };
  };
}
interface Node {
  ID: string;
  Version: { Index: number };
  CreatedAt?: string;
  Spec: { Labels?: Record<string, string>; Availability?: string; Role?: string };
  Description?: { Resources?: { NanoCPUs?: number; MemoryBytes?: number } };
  Status?: { State?: string };
  ManagerStatus?: { Addr?: string; Leader?: boolean };
}

export class SwarmCapacity implements CapacitySwarm {
  constructor(
    private readonly instance: string,
    private readonly docker: Docker = new Docker(),
  ) {}

  /** The tasks of this instance's services, or with `anyInstance` of every Slipway's on the swarm. */
  private async slipwayTasks(anyInstance = false): Promise<{ services: Service[]; tasks: Task[] }> {
    const services = (await this.docker.listServices({
      filters: { label: [anyInstance ? `${LABEL.managed}=1` : `${LABEL.instance}=${this.instance}`] },
    })) as Service[];
    if (services.length === 0) return { services, tasks: [] };
    const tasks = (await this.docker.listTasks({ filters: { service: services.map((s) => s.ID) } })) as Task[];
    return { services, tasks };
  }

  async waitingTasks(): Promise<WaitingTask[]> {
    const { services, tasks } = await this.slipwayTasks();
    const byId = new Map(services.map((s) => [s.ID, s]));
    const waiting: WaitingTask[] = [];
    for (const task of tasks) {
      const service = task.ServiceID ? byId.get(task.ServiceID) : undefined;
      if (!service?.Spec?.Name || task.NodeID || task.Status?.State !== 'pending') continue;
      if (!/no suitable node/.test(task.Status.Err ?? '')) continue;
      const labels = service.Spec.Labels ?? {};
      const reserved = service.Spec.TaskTemplate?.Resources?.Reservations;
      const starved = /insufficient resources/.test(task.Status.Err ?? '');
      waiting.push({
        service: service.Spec.Name,
        taskId: task.ID,
        constraints: service.Spec.TaskTemplate?.Placement?.Constraints ?? [],
        ...(labels[LABEL.build] ? { buildId: labels[LABEL.build] } : {}),
        ...(labels[LABEL.step] ? { step: labels[LABEL.step] } : {}),
        ...(starved
          ? {
              starved: {
                ...(reserved?.NanoCPUs ? { nanoCpus: reserved.NanoCPUs } : {}),
                ...(reserved?.MemoryBytes ? { memoryBytes: reserved.MemoryBytes } : {}),
              },
            }
          : {}),
      });
    }
    return waiting;
  }

  async nodes(): Promise<NodeView[]> {
    // Any Slipway's tasks keep a node busy: another instance on the swarm may run steps on our node.
    const [nodes, { tasks }] = await Promise.all([this.docker.listNodes() as Promise<Node[]>, this.slipwayTasks(true)]);
    const busy = new Map<string, number>();
    for (const t of tasks)
      if (t.NodeID && !ENDED.has(t.Status?.State ?? '')) busy.set(t.NodeID, (busy.get(t.NodeID) ?? 0) + 1);
    return nodes.map((n) => ({
      id: n.ID,
      labels: n.Spec.Labels ?? {},
      state: n.Status?.State ?? 'unknown',
      availability: n.Spec.Availability ?? 'active',
      tasks: busy.get(n.ID) ?? 0,
      ...(n.Spec.Role ? { role: n.Spec.Role } : {}),
      ...(n.CreatedAt ? { createdAt: n.CreatedAt } : {}),
      ...(n.Description?.Resources?.NanoCPUs ? { nanoCpus: n.Description.Resources.NanoCPUs } : {}),
      ...(n.Description?.Resources?.MemoryBytes ? { memoryBytes: n.Description.Resources.MemoryBytes } : {}),
    }));
  }

  async workerJoinToken(): Promise<string> {
    return ((await this.docker.swarmInspect()) as { JoinTokens: { Worker: string } }).JoinTokens.Worker;
  }

  async rotateWorkerToken(): Promise<void> {
    const swarm = (await this.docker.swarmInspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
    await this.docker.swarmUpdate({
      _query: { version: swarm.Version.Index, rotateWorkerToken: true },
      _body: swarm.Spec,
    });
  }

  async managerAddress(): Promise<string> {
    const self = (await this.docker.info()) as { Swarm?: { NodeID?: string } };
    const node = (await this.docker.getNode(self.Swarm?.NodeID ?? '').inspect()) as Node;
    if (!node.ManagerStatus?.Addr) throw new Error('this engine is not a swarm manager');
    return node.ManagerStatus.Addr;
  }

  async labelNode(id: string, labels: Record<string, string>): Promise<void> {
    await this.updateNode(id, (spec) => ({ ...spec, Labels: { ...spec.Labels, ...labels } }));
  }

  async pauseNode(id: string): Promise<void> {
    await this.updateNode(id, (spec) => ({ ...spec, Availability: 'pause' }));
  }

  async drainNode(id: string): Promise<void> {
    await this.updateNode(id, (spec) => ({ ...spec, Availability: 'drain' }));
  }

  async activateNode(id: string): Promise<void> {
    await this.updateNode(id, (spec) => ({ ...spec, Availability: 'active' }));
  }

  async removeNode(id: string): Promise<void> {
    try {
      await this.docker.getNode(id).remove({ force: true });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  }

  /** Changes a node's spec; a node no longer in the swarm (removed by hand, or by us before) is left be. */
  private async updateNode(id: string, change: (spec: Node['Spec']) => Node['Spec']): Promise<void> {
    const node = this.docker.getNode(id);
    try {
      const current = (await node.inspect()) as Node;
      await node.update({ _query: { version: current.Version.Index }, ...change(current.Spec) });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  }
}
