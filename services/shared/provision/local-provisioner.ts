import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProvisionError } from '../../core/provision/provision-error.js';
import { projectRoot } from '../project-root.js';
import type { MachineRef, NodeProvisioner, ProvisionedMachine, ProvisionRequest } from './provisioner.js';

/**
 * The `local` provisioner: a node in a network namespace of this machine, made by
 * scripts/local-node.sh (root only), that runs the request's bootstrap script inside the
 * namespace. For tests and demos; what it shows holds for real machines, whose bootstrap
 * script is the same.
 *
 * `start` makes the node (`up`) and runs the script (`bootstrap`); when the script fails the
 * node is removed again, so nothing half-joined stays behind, and the error carries the
 * script's last words. The node's name derives from the request id, so a second `start` of
 * one request finds the same node.
 */
export interface LocalProvisionerOptions {
  name?: string;
  /** For a manager that advertises 127.0.0.1 (scripts/local-node.sh SLIPWAY_LN_LOOPBACK_MANAGER). */
  loopbackManager?: string;
  /** Host images loaded into each node (default: slipway/busybox:1). */
  images?: string[];
  /** Longest a bootstrap may take (default 5 minutes: it may install Docker). */
  bootstrapTimeoutMs?: number;
}

export const LOCAL_NODE_SCRIPT = join(projectRoot(), 'scripts', 'local-node.sh');

export class LocalProvisioner implements NodeProvisioner {
  readonly name: string;

  constructor(private readonly options: LocalProvisionerOptions = {}) {
    this.name = options.name ?? 'local';
  }

  /** The node name for a request: `p` and 7 hex digits of its hash (local-node.sh takes 8 characters). */
  static nodeName(requestId: string): string {
    return `p${createHash('sha256').update(requestId).digest('hex').slice(0, 7)}`;
  }

  async start(request: ProvisionRequest): Promise<ProvisionedMachine> {
    const node = LocalProvisioner.nodeName(request.id);
    const up = await this.script(['up', node], 120_000);
    if (up.code !== 0) {
      await this.script(['down', node], 120_000);
      throw new ProvisionError(`local node ${node} did not come up: ${lastLine(up)}`, true, this.name);
    }
    const address = /^LOCAL_NODE_ADDRESS=(\S+)$/m.exec(up.stdout)?.[1];
    const dir = await mkdtemp(join(tmpdir(), 'slipway-bootstrap-'));
    try {
      const file = join(dir, 'bootstrap.sh');
      await writeFile(file, request.bootstrap, { mode: 0o600 });
      const run = await this.script(['bootstrap', node, file], this.options.bootstrapTimeoutMs ?? 300_000);
      if (run.code !== 0) {
        await this.script(['down', node], 120_000);
        throw new ProvisionError(`the bootstrap of local node ${node} failed: ${lastLine(run)}`, false, this.name);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return { provisioner: this.name, machineId: node, requestId: request.id, ...(address ? { address } : {}) };
  }

  async stop(machine: MachineRef): Promise<void> {
    const node = machine.machineId ?? LocalProvisioner.nodeName(machine.requestId);
    const down = await this.script(['down', node], 120_000);
    if (down.code !== 0)
      throw new ProvisionError(`local node ${node} was not removed: ${lastLine(down)}`, true, this.name);
  }

  private script(args: string[], timeout: number): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = {
      ...process.env,
      SLIPWAY_LN_IMAGES: (this.options.images ?? ['slipway/busybox:1']).join(' '),
      ...(this.options.loopbackManager ? { SLIPWAY_LN_LOOPBACK_MANAGER: this.options.loopbackManager } : {}),
    };
    return new Promise((resolve) => {
      execFile('bash', [LOCAL_NODE_SCRIPT, ...args], { env, timeout }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr: err && !stderr ? err.message : stderr });
      });
    });
  }
}

function lastLine(result: { stderr: string; stdout: string }): string {
  const lines = (result.stderr || result.stdout).trim().split('\n');
  return lines[lines.length - 1] || 'no output';
}
