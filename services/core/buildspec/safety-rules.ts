import type { SpecPolicy } from './types.js';

/** A refused or malformed host setting, at a path relative to its step or sidecar. */
export interface SafetyProblem {
  segments: string[];
  message: string;
  hint?: string;
}

/** A host bind mount, parsed: `/host/path:/container/path[:ro|:rw]`. */
export interface HostMount {
  source: string;
  target: string;
  readOnly: boolean;
}

const MOUNT = /^(\/[^:]*):(\/[^:]*)(?::(ro|rw))?$/;
const NOT_ALLOWED = 'and the operator has not allowed it for this repository';

/** Whether a volume entry touches the Docker daemon's socket (in any spelling of its path). */
export function isDockerSocket(volume: string): boolean {
  return volume.includes('docker.sock');
}

export function parseMount(volume: string): HostMount | undefined {
  const match = MOUNT.exec(volume);
  if (!match) return undefined;
  return { source: match[1]!, target: match[2]!, readOnly: match[3] === 'ro' };
}

/**
 * The safety rules: no privileged mode, no host bind mounts, no Docker socket, no host
 * network, no host PID namespace, unless the operator's policy allows each for the
 * repository. Checks the keys of one step or sidecar (unvalidated data: only well-typed
 * values are judged, the schema reports the rest). An allowed setting is still checked
 * for form; Swarm may refuse it when the step starts (it has no privileged mode at all).
 */
export function safetyProblems(node: Record<string, unknown>, policy: SpecPolicy): SafetyProblem[] {
  const problems: SafetyProblem[] = [];
  if (node.privileged === true && !policy.allowPrivileged) {
    problems.push({
      segments: ['privileged'],
      message: `privileged mode is not allowed: Swarm services cannot run privileged, ${NOT_ALLOWED}`,
      hint:
        'remove "privileged: true"; to build images, use slipway/buildah:1 with capabilities: [SYS_ADMIN] ' +
        '(docs/buildspec.md, "Building and pushing images")',
    });
  }
  if (Array.isArray(node.volumes)) {
    node.volumes.forEach((volume: unknown, i) => {
      if (typeof volume !== 'string') return;
      const segments = ['volumes', String(i)];
      if (isDockerSocket(volume)) {
        if (!policy.allowDockerSocket) {
          problems.push({
            segments,
            message: `the Docker socket is not allowed: it gives the step root on the node, ${NOT_ALLOWED}`,
            hint:
              'build images with slipway/buildah:1 and capabilities: [SYS_ADMIN] instead ' +
              '(docs/buildspec.md, "Building and pushing images")',
          });
          return;
        }
      } else if (!policy.allowHostMounts) {
        problems.push({
          segments,
          message:
            'host bind mounts are not allowed: a step sees only its workspace, ' + NOT_ALLOWED.replace('it', 'them'),
          hint: 'keep files in the workspace (/workspace); use artifacts to keep them for later stages',
        });
        return;
      }
      const mount = parseMount(volume);
      if (!mount)
        problems.push({ segments, message: 'must be /host/path:/container/path, optionally followed by :ro or :rw' });
      else if (mount.target === '/workspace' || mount.target.startsWith('/workspace/')) {
        problems.push({
          segments,
          message: 'cannot mount over the workspace (/workspace)',
          hint: 'mount somewhere else, e.g. /mnt/data',
        });
      }
    });
  }
  if (node.network_mode === 'host' && !policy.allowHostNetwork) {
    problems.push({
      segments: ['network_mode'],
      message:
        "the host network is not allowed: steps run on the build's own network, " +
        `where sidecars are reachable by name, ${NOT_ALLOWED}`,
      hint: 'remove "network_mode: host"',
    });
  }
  if (node.pid === 'host' && !policy.allowHostPid) {
    problems.push({
      segments: ['pid'],
      message:
        'the host PID namespace is not allowed: a step would see and signal every process on the node, ' + NOT_ALLOWED,
      hint: 'remove "pid: host"',
    });
  }
  return problems;
}
