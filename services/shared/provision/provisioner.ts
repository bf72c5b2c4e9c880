/**
 * A node provisioner (the latent-worker pattern, for Swarm): starts a machine that runs a
 * bootstrap script (services/core/provision/bootstrap-script.ts) at boot, which joins the
 * swarm and reports back; stops it when Slipway has drained and removed its node.
 *
 * Who calls it: Slipway's capacity loop (services/executor/capacity/), when steps wait unscheduled for want of a
 * node with their labels; in this order: `start` once per request (a retry with the same
 * request id must not start a second machine), then, after the node has run nothing for the
 * provisioner's idle timeout and has been drained and removed from the swarm, `stop`; also
 * `stop` after a failed or abandoned request. `stop` must tolerate a machine that is already
 * gone, or never was, and a machine whose start failed half-way; and it must find the machine
 * by its request id when no machine id is known (the process that started it was killed before
 * `start` answered). Errors say whether a retry can help (`retryable`).
 */
export interface NodeProvisioner {
  /** Names the provisioner in the operator's configuration, metrics and the dashboard. */
  readonly name: string;
  start(request: ProvisionRequest): Promise<ProvisionedMachine>;
  stop(machine: MachineRef): Promise<void>;
}

export interface ProvisionRequest {
  /** Unique per request; the idempotency key. Letters, digits, `-` and `_`. */
  id: string;
  /** The node labels asked for (the manager applies them once the node reports). */
  labels: Record<string, string>;
  /** The script the machine runs at first boot. */
  bootstrap: string;
}

export interface ProvisionedMachine {
  provisioner: string;
  /** The provisioner's own id for the machine (an EC2 instance id, a namespace name). */
  machineId: string;
  requestId: string;
  /** Its address, when known at start. */
  address?: string;
}

/** The machine `stop` is to stop: the request's always, the machine id when `start` answered one. */
export interface MachineRef {
  provisioner: string;
  requestId: string;
  machineId?: string;
}
