import { closest } from './closest.js';
import type { SafetyProblem } from './safety-rules.js';
import type { SpecPolicy } from './types.js';

/** Linux capabilities (capabilities(7)) by their names without `CAP_`, as Docker 20.10 knows them. */
export const LINUX_CAPABILITIES = [
  'AUDIT_CONTROL',
  'AUDIT_READ',
  'AUDIT_WRITE',
  'BLOCK_SUSPEND',
  'BPF',
  'CHECKPOINT_RESTORE',
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'IPC_LOCK',
  'IPC_OWNER',
  'KILL',
  'LEASE',
  'LINUX_IMMUTABLE',
  'MAC_ADMIN',
  'MAC_OVERRIDE',
  'MKNOD',
  'NET_ADMIN',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_RAW',
  'PERFMON',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_CHROOT',
  'SYS_MODULE',
  'SYS_NICE',
  'SYS_PACCT',
  'SYS_PTRACE',
  'SYS_RAWIO',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'SYSLOG',
  'WAKE_ALARM',
] as const;

/** What every container gets from Docker without asking: adding one of these changes nothing. */
export const DOCKER_DEFAULT_CAPABILITIES: readonly string[] = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'NET_RAW',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];

const KNOWN: ReadonlySet<string> = new Set(LINUX_CAPABILITIES);
/** The schema's form of a name; others are the schema's to report. */
const NAME = /^(?:CAP_)?[A-Z][A-Z_]*$/i;

/** `sys_admin`, `SYS_ADMIN`, `CAP_SYS_ADMIN` → `CAP_SYS_ADMIN`, the form Swarm's CapabilityAdd takes; `ALL` stays. */
export function normaliseCapability(name: string): string {
  const bare = name.toUpperCase().replace(/^CAP_/, '');
  return bare === 'ALL' ? 'ALL' : `CAP_${bare}`;
}

function bare(name: string): string {
  return normaliseCapability(name).replace(/^CAP_/, '');
}

/**
 * Checks a step's `capabilities` (unvalidated data: only strings are judged, the schema
 * reports the rest): each must be a Linux capability (or `ALL`), and one that Docker does not
 * grant by default must be in the operator's `allowCapabilities` for the repository. Swarm
 * adds them with `ContainerSpec.CapabilityAdd` (Engine API 1.41 and later).
 */
export function capabilityProblems(capabilities: unknown, policy: SpecPolicy): SafetyProblem[] {
  if (!Array.isArray(capabilities)) return [];
  const allowed = new Set((policy.allowCapabilities ?? []).map(bare));
  const problems: SafetyProblem[] = [];
  capabilities.forEach((name: unknown, i) => {
    if (typeof name !== 'string' || !NAME.test(name)) return;
    const segments = ['capabilities', String(i)];
    const cap = bare(name);
    if (cap !== 'ALL' && !KNOWN.has(cap)) {
      const near = closest(cap, LINUX_CAPABILITIES);
      problems.push({
        segments,
        message: `unknown capability "${name}"`,
        hint: near ? `did you mean "${near}"?` : 'see capabilities(7) for the names, e.g. SYS_ADMIN or NET_ADMIN',
      });
    } else if (!DOCKER_DEFAULT_CAPABILITIES.includes(cap) && !allowed.has(cap)) {
      problems.push({
        segments,
        message:
          `${cap === 'ALL' ? 'adding ALL capabilities' : `the capability ${cap}`} is not allowed: ` +
          "it gives the step more than Docker's defaults, and the operator has not allowed it for this repository",
        hint:
          cap === 'SYS_ADMIN'
            ? 'the operator allows it with "allowCapabilities": ["SYS_ADMIN"] in the policy file ' +
              '(building images with slipway/buildah:1 needs only this one)'
            : `the operator allows it with "allowCapabilities": ["${cap}"] in the policy file`,
      });
    }
  });
  return problems;
}
