import { describe, expect, it } from '@jest/globals';
import { LABEL, sidecarServiceSpec, stepServiceSpec } from '../../../services/executor/backend/swarm-service-spec.js';
import type { SidecarSpec, StepSpec } from '../../../services/executor/backend/types.js';

const build = { buildId: 'b123', network: 'slw-b123-net', volume: 'slw-b123-ws' };
const PIN = ['node.id==n1'];

function step(extra: Partial<StepSpec> = {}): StepSpec {
  return {
    build,
    key: 'unit',
    attempt: 2,
    name: 'slw-b123-unit-2',
    image: 'registry:5000/busybox@sha256:' + 'a'.repeat(64),
    script: 'npm test',
    env: { CI: 'true', NODE_ENV: 'test' },
    secrets: [],
    resources: {},
    placement: [],
    ...extra,
  };
}

type Spec = {
  Name: string;
  Labels: Record<string, string>;
  Mode: unknown;
  EndpointSpec?: unknown;
  TaskTemplate: {
    ContainerSpec: {
      Image: string;
      Command?: string[];
      Args?: string[];
      Env: string[];
      Dir?: string;
      Mounts?: Array<Record<string, unknown>>;
      Secrets?: unknown[];
      CapabilityAdd?: string[];
      HealthCheck?: { Test: string[]; Interval: number; Timeout: number; Retries: number };
    };
    Resources: unknown;
    Placement: { Constraints: string[] };
    Networks?: unknown[];
    RestartPolicy: unknown;
  };
};
const asSpec = (s: unknown) => s as Spec;

describe('stepServiceSpec', () => {
  it('runs the script once, as a job, in the workspace, with its image, env and the node name', () => {
    const spec = asSpec(stepServiceSpec(step(), { instance: 'ci', pin: PIN }));
    expect(spec.Name).toBe('slw-b123-unit-2');
    expect(spec.Mode).toEqual({ ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } });
    expect(spec.TaskTemplate.RestartPolicy).toEqual({ Condition: 'none', MaxAttempts: 0 });
    const c = spec.TaskTemplate.ContainerSpec;
    expect(c.Image).toBe(step().image);
    expect(c.Command).toEqual(['/bin/sh', '-c', 'npm test']);
    expect(c.Dir).toBe('/workspace');
    expect(c.Env).toEqual(['CI=true', 'NODE_ENV=test', 'SLIPWAY_NODE={{.Node.Hostname}}']);
  });

  it('labels the service and its container with the instance, build, step and attempt', () => {
    const spec = asSpec(stepServiceSpec(step(), { instance: 'ci', pin: PIN }));
    const labels = {
      [LABEL.managed]: '1',
      [LABEL.instance]: 'ci',
      [LABEL.build]: 'b123',
      [LABEL.step]: 'unit',
      [LABEL.attempt]: '2',
    };
    expect(spec.Labels).toEqual(labels);
    expect(spec.TaskTemplate.ContainerSpec).toMatchObject({ Labels: labels });
  });

  it('mounts the workspace volume, then the host mounts the operator allowed', () => {
    const spec = asSpec(
      stepServiceSpec(
        step({
          host: { mounts: [{ source: '/var/run/docker.sock', target: '/var/run/docker.sock', readOnly: true }] },
        }),
        { instance: 'ci', pin: PIN },
      ),
    );
    expect(spec.TaskTemplate.ContainerSpec.Mounts).toEqual([
      {
        Type: 'volume',
        Source: 'slw-b123-ws',
        Target: '/workspace',
        VolumeOptions: { Labels: { [LABEL.managed]: '1', [LABEL.instance]: 'ci', [LABEL.build]: 'b123' } },
      },
      { Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock', ReadOnly: true },
    ]);
  });

  it('gives the secrets as read-only files named as the step names them', () => {
    const spec = asSpec(
      stepServiceSpec(step({ secrets: ['npm-token'] }), {
        instance: 'ci',
        pin: PIN,
        secrets: [{ name: 'npm-token', secretId: 'sec1', secretName: 'slw-b123-s-npm-token' }],
      }),
    );
    expect(spec.TaskTemplate.ContainerSpec.Secrets).toEqual([
      {
        SecretID: 'sec1',
        SecretName: 'slw-b123-s-npm-token',
        File: { Name: 'npm-token', UID: '0', GID: '0', Mode: 0o444 },
      },
    ]);
    expect(JSON.stringify(spec)).not.toContain('NPM_TOKEN=');
  });

  it('turns cpus and memory into Swarm limits, and sets none when none are asked for', () => {
    const limited = asSpec(
      stepServiceSpec(step({ resources: { cpus: 1.5, memoryBytes: 512 * 2 ** 20 } }), { instance: 'ci', pin: PIN }),
    );
    expect(limited.TaskTemplate.Resources).toEqual({ Limits: { NanoCPUs: 1_500_000_000, MemoryBytes: 536870912 } });
    expect(asSpec(stepServiceSpec(step(), { instance: 'ci', pin: PIN })).TaskTemplate.Resources).toEqual({});
  });

  it('reserves them too when the operator says so (SLIPWAY_RESERVE_STEP_RESOURCES)', () => {
    const reserved = asSpec(
      stepServiceSpec(step({ resources: { cpus: 2, memoryBytes: 2 ** 30 } }), {
        instance: 'ci',
        pin: PIN,
        reserve: true,
      }),
    );
    expect(reserved.TaskTemplate.Resources).toEqual({
      Limits: { NanoCPUs: 2_000_000_000, MemoryBytes: 2 ** 30 },
      Reservations: { NanoCPUs: 2_000_000_000, MemoryBytes: 2 ** 30 },
    });
    expect(asSpec(stepServiceSpec(step(), { instance: 'ci', pin: PIN, reserve: true })).TaskTemplate.Resources).toEqual(
      {},
    );
  });

  it("places a step by its own constraints, and pins one without any to the workspace's node", () => {
    const placed = asSpec(stepServiceSpec(step({ placement: ['node.labels.gpu==true'] }), { instance: 'ci', pin: [] }));
    expect(placed.TaskTemplate.Placement).toEqual({ Constraints: ['node.labels.gpu==true'] });
    expect(asSpec(stepServiceSpec(step(), { instance: 'ci', pin: PIN })).TaskTemplate.Placement).toEqual({
      Constraints: PIN,
    });
  });

  it("joins the build's network, by its key, only when its stage has sidecars", () => {
    const alone = asSpec(stepServiceSpec(step(), { instance: 'ci', pin: PIN }));
    expect(alone.TaskTemplate.Networks).toBeUndefined();
    const beside = asSpec(stepServiceSpec(step({ sidecarNetwork: true }), { instance: 'ci', pin: PIN }));
    expect(beside.TaskTemplate.Networks).toEqual([{ Target: 'slw-b123-net', Aliases: ['unit'] }]);
  });

  it('uses the host network instead when the operator allowed it', () => {
    const spec = asSpec(
      stepServiceSpec(step({ sidecarNetwork: true, host: { network: 'host' } }), { instance: 'ci', pin: PIN }),
    );
    expect(spec.TaskTemplate.Networks).toEqual([{ Target: 'host' }]);
  });

  it('adds the capabilities the operator allowed, and none otherwise', () => {
    const spec = asSpec(
      stepServiceSpec(step({ host: { capabilities: ['CAP_SYS_ADMIN'] } }), { instance: 'ci', pin: PIN }),
    );
    expect(spec.TaskTemplate.ContainerSpec.CapabilityAdd).toEqual(['CAP_SYS_ADMIN']);
    expect(asSpec(stepServiceSpec(step(), { instance: 'ci', pin: PIN })).TaskTemplate.ContainerSpec).not.toHaveProperty(
      'CapabilityAdd',
    );
  });
});

describe('sidecarServiceSpec', () => {
  const sidecar = (extra: Partial<SidecarSpec> = {}): SidecarSpec => ({
    build,
    key: 'db',
    name: 'slw-b123-svc-db-1',
    image: 'slipway/redis:1',
    env: { REDIS_ARGS: '--save ""' },
    ...extra,
  });

  it("runs one replica on the build's network, found by its key through DNS round robin", () => {
    const spec = asSpec(sidecarServiceSpec(sidecar(), { instance: 'ci', pin: PIN }));
    expect(spec.Mode).toEqual({ Replicated: { Replicas: 1 } });
    expect(spec.EndpointSpec).toEqual({ Mode: 'dnsrr' });
    expect(spec.TaskTemplate.Networks).toEqual([{ Target: 'slw-b123-net', Aliases: ['db'] }]);
    expect(spec.TaskTemplate.Placement).toEqual({ Constraints: PIN });
    expect(spec.TaskTemplate.ContainerSpec.Env).toEqual(['REDIS_ARGS=--save ""']);
    expect(spec.Labels[LABEL.step]).toBe('sidecar-db');
    expect(spec.TaskTemplate.ContainerSpec).not.toHaveProperty('Args');
  });

  it('turns the ready check into a health check, retried until its timeout', () => {
    const spec = asSpec(
      sidecarServiceSpec(
        sidecar({
          command: ['redis-server'],
          ready: { command: 'redis-cli ping', intervalMs: 500, timeoutMs: 30_000 },
        }),
        { instance: 'ci', pin: PIN },
      ),
    );
    const c = spec.TaskTemplate.ContainerSpec;
    expect(c.Args).toEqual(['redis-server']);
    expect(c.HealthCheck).toEqual({
      Test: ['CMD-SHELL', 'redis-cli ping'],
      Interval: 500_000_000,
      Timeout: 1_000_000_000,
      Retries: 60,
      StartPeriod: 0,
    });
  });
});
