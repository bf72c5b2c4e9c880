/**
 * One provisioner as the operator configures it (SLIPWAY_PROVISIONERS, a JSON array, or
 * SLIPWAY_PROVISIONERS_FILE): what it is, the node labels its nodes carry, and its limits.
 */
export interface ProvisionerSettings {
  name: string;
  kind: 'local' | 'ec2' | 'command' | 'http';
  /** The labels every node it makes carries; a step asking for a subset of them can be served. */
  labels: Record<string, string>;
  /** Most nodes of this provisioner at once (starting, joined or draining). */
  maxNodes: number;
  /** A node that ran no Slipway task this long is drained and removed. */
  idleTimeoutMs: number;
  /** A node that has not reported joined this long after it was asked for is given up on. */
  joinTimeoutMs: number;
  /** `local`: the host address the namespace's 127.0.0.1:2377 is sent to (SLIPWAY_LN_LOOPBACK_MANAGER). */
  loopbackManager?: string;
  /** `command`: the program run as `COMMAND start REQUEST_ID BOOTSTRAP_FILE` and `COMMAND stop MACHINE_ID`. */
  command?: string;
  /** `http`: the operator's service (`POST URL/start`, `POST URL/stop`; http-provisioner.ts). */
  url?: string;
  /** `http`: the environment variable holding its bearer token (or `NAME_FILE`, a file holding it). */
  tokenEnv?: string;
  /** `ec2`: what ec2-client.ts needs (region, image, instance type …), passed as given. */
  ec2?: Record<string, unknown>;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const LABEL_VALUE = /^[A-Za-z0-9_.-]+$/;
const KINDS = new Set(['local', 'ec2', 'command', 'http']);

/**
 * Reads the operator's provisioners (already parsed JSON) or says exactly what is wrong, in
 * `problems`, one line each naming the provisioner and the field. Defaults: max 2 nodes, idle
 * 5 minutes, join 3 minutes.
 */
export function parseProvisionerSettings(
  value: unknown,
): { ok: true; provisioners: ProvisionerSettings[] } | { ok: false; problems: string[] } {
  if (!Array.isArray(value)) return { ok: false, problems: ['must be a JSON array of provisioners'] };
  const problems: string[] = [];
  const provisioners: ProvisionerSettings[] = [];
  const names = new Set<string>();
  value.forEach((raw: unknown, index) => {
    const at = `provisioner ${index + 1}`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push(`${at}: must be an object`);
      return;
    }
    const p = raw as Record<string, unknown>;
    const name = typeof p.name === 'string' && NAME.test(p.name) ? p.name : undefined;
    const where = name ? `provisioner "${name}"` : at;
    if (!name) problems.push(`${at}: name must be lower-case letters, digits and '-' (at most 31)`);
    else if (names.has(name)) problems.push(`${where}: the name is used twice`);
    else names.add(name);
    const kind = typeof p.kind === 'string' && KINDS.has(p.kind) ? (p.kind as ProvisionerSettings['kind']) : undefined;
    if (!kind) problems.push(`${where}: kind must be local, ec2, command or http`);
    const labels = readLabels(p.labels, where, problems);
    const maxNodes = number(p.maxNodes, 2, where, 'maxNodes', problems, 1);
    const idleTimeoutMs = number(p.idleTimeoutMs, 300_000, where, 'idleTimeoutMs', problems, 0);
    const joinTimeoutMs = number(p.joinTimeoutMs, 180_000, where, 'joinTimeoutMs', problems, 1_000);
    if (kind === 'command' && (typeof p.command !== 'string' || p.command.trim() === ''))
      problems.push(`${where}: a command provisioner needs "command"`);
    if (kind === 'ec2') problems.push(...ec2Problems(p.ec2, where));
    if (kind === 'http' && (typeof p.url !== 'string' || !/^https?:\/\/\S+$/.test(p.url)))
      problems.push(`${where}: an http provisioner needs "url", e.g. "https://vms.example.com/slipway"`);
    if (p.tokenEnv !== undefined && (typeof p.tokenEnv !== 'string' || !/^[A-Z_][A-Z0-9_]*$/.test(p.tokenEnv)))
      problems.push(`${where}: tokenEnv must name an environment variable, e.g. "SLIPWAY_VMS_TOKEN"`);
    if (p.loopbackManager !== undefined && typeof p.loopbackManager !== 'string')
      problems.push(`${where}: loopbackManager must be an address`);
    if (!name || !kind || !labels) return;
    provisioners.push({
      name,
      kind,
      labels,
      maxNodes,
      idleTimeoutMs,
      joinTimeoutMs,
      ...(typeof p.loopbackManager === 'string' ? { loopbackManager: p.loopbackManager } : {}),
      ...(typeof p.command === 'string' ? { command: p.command } : {}),
      ...(typeof p.url === 'string' ? { url: p.url } : {}),
      ...(typeof p.tokenEnv === 'string' ? { tokenEnv: p.tokenEnv } : {}),
      ...(p.ec2 && typeof p.ec2 === 'object' ? { ec2: p.ec2 as Record<string, unknown> } : {}),
    });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, provisioners };
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const TEXT = (v: unknown) => typeof v === 'string' && v.trim() !== '';

/** What is wrong with an ec2 provisioner's `ec2` settings (services/shared/provision/ec2-client.ts), each in words. */
function ec2Problems(value: unknown, where: string): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return [`${where}: an ec2 provisioner needs "ec2" settings: {"region", "imageId", "instanceType", …}`];
  const e = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof e.region !== 'string' || !REGION.test(e.region))
    problems.push(`${where}: ec2.region must be an AWS region, e.g. "eu-west-1"`);
  if (!TEXT(e.imageId)) problems.push(`${where}: ec2.imageId must name an AMI, e.g. "ami-0abcdef1234567890"`);
  if (!TEXT(e.instanceType)) problems.push(`${where}: ec2.instanceType must name an instance type, e.g. "t3.large"`);
  for (const field of ['subnetId', 'keyName', 'instanceProfile'])
    if (e[field] !== undefined && !TEXT(e[field])) problems.push(`${where}: ec2.${field} must be a string`);
  if (e.securityGroupIds !== undefined && !(Array.isArray(e.securityGroupIds) && e.securityGroupIds.every(TEXT)))
    problems.push(`${where}: ec2.securityGroupIds must be a list of security group ids`);
  if (
    e.tags !== undefined &&
    (e.tags === null || typeof e.tags !== 'object' || !Object.values(e.tags).every((v) => typeof v === 'string'))
  )
    problems.push(`${where}: ec2.tags must be an object of strings`);
  const known = new Set(['region', 'imageId', 'instanceType', 'subnetId', 'securityGroupIds', 'keyName']);
  for (const field of ['instanceProfile', 'tags']) known.add(field);
  for (const field of Object.keys(e)) if (!known.has(field)) problems.push(`${where}: ec2.${field} is not a setting`);
  return problems;
}

function readLabels(value: unknown, where: string, problems: string[]): Record<string, string> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length === 0) {
    problems.push(`${where}: labels must be an object of at least one label, e.g. {"pool": "gpu"}`);
    return undefined;
  }
  const labels: Record<string, string> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (!LABEL_KEY.test(key) || typeof v !== 'string' || !LABEL_VALUE.test(v)) {
      problems.push(`${where}: label ${JSON.stringify(key)} must be a name with a plain value`);
      return undefined;
    }
    labels[key] = v;
  }
  return labels;
}

function number(
  value: unknown,
  fallback: number,
  where: string,
  field: string,
  problems: string[],
  least: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < least) {
    problems.push(`${where}: ${field} must be a whole number, ${least} or more`);
    return fallback;
  }
  return value;
}
