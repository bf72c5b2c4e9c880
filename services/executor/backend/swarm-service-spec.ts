import type Docker from 'dockerode';
import type { AppSpec, SidecarSpec, StepSpec } from './types.js';

/** Labels on every Swarm object Slipway makes; the reaper and teardown find them by these. */
export const LABEL = {
  managed: 'slipway',
  instance: 'slipway.instance',
  build: 'slipway.build',
  step: 'slipway.step',
  attempt: 'slipway.attempt',
} as const;

/** Where the build's workspace volume is mounted in every step. */
export const WORKSPACE = '/workspace';

/** A Docker secret of the build, as a service references it. */
export interface SecretRef {
  /** The step's name for it: the file `/run/secrets/<name>`. */
  name: string;
  secretId: string;
  secretName: string;
}

/** What the conversion needs besides the step: looked up by the backend, passed in as values. */
export interface ServiceSpecContext {
  /** The installation's name (`slipway.instance` label). */
  instance: string;
  /** Constraints for a step that has none (the node holding a local workspace), else []. */
  pin: string[];
  /** The step's secrets, as Docker secret objects of the build. */
  secrets?: SecretRef[];
  /**
   * Reserve the step's `resources` as well as limit them (SLIPWAY_RESERVE_STEP_RESOURCES): the
   * swarm then places a step only where its CPUs and memory are free, and holds it back when
   * no node has them (which the capacity loop may answer with a new node).
   */
  reserve?: boolean;
}

/** The labels every object of a build carries. */
export function buildLabels(instance: string, buildId: string): Record<string, string> {
  return { [LABEL.managed]: '1', [LABEL.instance]: instance, [LABEL.build]: buildId };
}

/**
 * One attempt of a step as a Swarm service spec, exactly what the Swarm backend sends: a
 * `ReplicatedJob` that runs the script with `/bin/sh -c` in the workspace, its env (plus
 * `SLIPWAY_NODE`, filled in by Swarm), its secrets as files, the workspace volume and any
 * host mounts the operator allowed, its limits, placement (its own constraints, else `pin`),
 * labels, and networks: the host network when allowed, the build's overlay only when its
 * stage has sidecars (`step.sidecarNetwork`), else none (the default bridge still reaches the
 * git server and the internet, and a task joins it about 0.75 s faster than an overlay).
 */
export function stepServiceSpec(step: StepSpec, ctx: ServiceSpecContext): Docker.CreateServiceOptions {
  const labels = {
    ...buildLabels(ctx.instance, step.build.buildId),
    [LABEL.step]: step.key,
    [LABEL.attempt]: String(step.attempt),
  };
  const capabilities = step.host?.capabilities ?? [];
  const networks =
    step.host?.network === 'host'
      ? [{ Target: 'host' }]
      : step.sidecarNetwork
        ? [{ Target: step.build.network, Aliases: [step.key] }]
        : [];
  return {
    Name: step.name,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: step.image,
        Command: ['/bin/sh', '-c', step.script],
        // Swarm fills the template in: which node ran the step, for logs and debugging.
        Env: [...envList(step.env), 'SLIPWAY_NODE={{.Node.Hostname}}'],
        Dir: WORKSPACE,
        Labels: labels,
        Mounts: [
          {
            Type: 'volume',
            Source: step.build.volume,
            Target: WORKSPACE,
            VolumeOptions: { Labels: buildLabels(ctx.instance, step.build.buildId) },
          },
          ...(step.host?.mounts ?? []).map((m) => ({
            Type: 'bind' as const,
            Source: m.source,
            Target: m.target,
            ReadOnly: m.readOnly,
          })),
        ],
        Secrets: (ctx.secrets ?? []).map((s) => ({
          SecretID: s.secretId,
          SecretName: s.secretName,
          File: { Name: s.name, UID: '0', GID: '0', Mode: 0o444 },
        })),
        ...(capabilities.length > 0 ? { CapabilityAdd: capabilities } : {}),
      },
      Resources: resourcesOf(step.resources, ctx.reserve ?? false),
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      Placement: { Constraints: step.placement.length > 0 ? step.placement : ctx.pin },
      ...(networks.length > 0 ? { Networks: networks } : {}),
    },
    Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
  } as Docker.CreateServiceOptions;
}

/**
 * A sidecar as a Swarm service spec: one replica on the build's network, reachable by its key
 * (DNS round robin: virtual IPs need IPVS, which not every kernel has), its ready check as
 * the container's health check (Swarm reports `running` only once it passes), pinned like
 * the steps.
 */
export function sidecarServiceSpec(sidecar: SidecarSpec, ctx: ServiceSpecContext): Docker.CreateServiceOptions {
  const labels = { ...buildLabels(ctx.instance, sidecar.build.buildId), [LABEL.step]: `sidecar-${sidecar.key}` };
  const ready = sidecar.ready;
  return {
    Name: sidecar.name,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: sidecar.image,
        ...(sidecar.command ? { Args: sidecar.command } : {}),
        Env: envList(sidecar.env),
        Labels: labels,
        ...(ready
          ? {
              HealthCheck: {
                Test: ['CMD-SHELL', ready.command],
                Interval: ready.intervalMs * 1e6,
                Timeout: Math.max(ready.intervalMs, 1000) * 1e6,
                Retries: Math.max(1, Math.ceil(ready.timeoutMs / ready.intervalMs)),
                StartPeriod: 0,
              },
            }
          : {}),
      },
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      Placement: { Constraints: ctx.pin },
      Networks: [{ Target: sidecar.build.network, Aliases: [sidecar.key] }],
    },
    Mode: { Replicated: { Replicas: 1 } },
    EndpointSpec: { Mode: 'dnsrr' },
  } as Docker.CreateServiceOptions;
}

/**
 * A manual test's application as a Swarm service spec: one replica on the build's network
 * (it reaches the sidecars by name), the workspace at /workspace, pinned like the steps, and
 * its port published in `host` mode on a port the engine picks (the ingress routing mesh
 * needs IPVS, which not every kernel has; the task's `PortStatus` says which port it got).
 */
export function appServiceSpec(app: AppSpec, ctx: ServiceSpecContext): Docker.CreateServiceOptions {
  const labels = { ...buildLabels(ctx.instance, app.build.buildId), [LABEL.step]: `manual-${app.key}` };
  return {
    Name: app.name,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: app.image,
        ...(app.command ? { Args: app.command } : {}),
        Env: envList(app.env),
        Dir: WORKSPACE,
        Labels: labels,
        Mounts: [
          {
            Type: 'volume',
            Source: app.build.volume,
            Target: WORKSPACE,
            VolumeOptions: { Labels: buildLabels(ctx.instance, app.build.buildId) },
          },
        ],
      },
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      Placement: { Constraints: ctx.pin },
      Networks: [{ Target: app.build.network, Aliases: [app.key] }],
    },
    Mode: { Replicated: { Replicas: 1 } },
    EndpointSpec: { Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: app.port, PublishMode: 'host' }] },
  } as unknown as Docker.CreateServiceOptions;
}

function envList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

type Amounts = { NanoCPUs?: number; MemoryBytes?: number };

function resourcesOf(resources: StepSpec['resources'], reserve: boolean): { Limits?: Amounts; Reservations?: Amounts } {
  const Limits: Amounts = {};
  if (resources.cpus) Limits.NanoCPUs = Math.round(resources.cpus * 1e9);
  if (resources.memoryBytes) Limits.MemoryBytes = resources.memoryBytes;
  if (Object.keys(Limits).length === 0) return {};
  return reserve ? { Limits, Reservations: { ...Limits } } : { Limits };
}
