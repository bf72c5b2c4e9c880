import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * A second, two-node swarm on this machine, built in network namespaces by
 * scripts/multinode.sh (root only), for placement and node-loss tests. It is separate from the
 * host's one-node swarm, which it never touches.
 *
 * Use: `const swarm = await multiNodeSwarm()` in `beforeAll`, talk to
 * `new Docker({ socketPath: swarm.managerSocket })`, and call `multiNodeDown()` in `afterAll`
 * (it works even when `multiNodeSwarm()` threw, and when nothing is up).
 */
export interface MultiNodeSwarm {
  /** Unix socket of the manager's dockerd (node `slwmn-mgr`, 10.231.0.10). */
  managerSocket: string;
  /** Hostname of the worker node (label `slipway.pool=board`), as `GET /nodes` reports it. */
  workerHostname: string;
  /** Kills the worker's dockerd with SIGKILL: the manager loses the node. */
  killWorker(): Promise<void>;
  /** Tears the whole thing down (same as `multiNodeDown()`). */
  down(): Promise<void>;
}

export const SCRIPT = fileURLToPath(new URL('../../scripts/multinode.sh', import.meta.url));
export const MANAGER_HOSTNAME = 'slwmn-mgr';
export const WORKER_HOSTNAME = 'slwmn-w1';
/** The placement constraint that sends a task to the worker. */
export const BOARD_CONSTRAINT = 'node.labels.slipway.pool==board';
const WORKER_PIDFILE = '/run/slipway-mn/w1.pid';
const WORKER_SOCKET = 'unix:///run/slipway-mn/w1.sock';

/** Brings the swarm up (or reuses a healthy one). Throws with the script's stderr if it fails. */
export async function multiNodeSwarm(): Promise<MultiNodeSwarm> {
  const { stdout } = await runScript('up', 120_000);
  const managerSocket = stdout.trim().split('\n').pop()?.trim() ?? '';
  if (!managerSocket.startsWith('/')) {
    throw new Error(`scripts/multinode.sh up printed no manager socket path; stdout was: ${JSON.stringify(stdout)}`);
  }
  return { managerSocket, workerHostname: WORKER_HOSTNAME, killWorker, down: multiNodeDown };
}

/** Tears the multi-node swarm down; safe when nothing is up. */
export async function multiNodeDown(): Promise<void> {
  await runScript('down', 120_000);
}

/**
 * Simulates a lost node: SIGKILL to the worker's dockerd, then waits until it is gone. Its
 * containerd dies with it; the task's container keeps running unseen until `multiNodeDown()`.
 */
export async function killWorker(): Promise<void> {
  const pid = Number((await readFile(WORKER_PIDFILE, 'utf8')).trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no usable pid in ${WORKER_PIDFILE}`);
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes(WORKER_SOCKET))
    throw new Error(`pid ${pid} from ${WORKER_PIDFILE} is not the worker's dockerd (already dead?)`);
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while (await isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`worker dockerd (pid ${pid}) still alive 10 s after SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Alive and not a zombie (/proc/PID/stat: the state follows the parenthesised name). */
async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function runScript(command: 'up' | 'down' | 'status', timeout: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [SCRIPT, command],
      { timeout, killSignal: 'SIGTERM', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const how = err.killed ? `was killed after ${timeout / 1000} s` : `exited with ${String(err.code)}`;
          reject(
            new Error(
              `scripts/multinode.sh ${command} ${how} (it needs root; see scripts/multinode.sh):\n${stderr.trim()}`,
            ),
          );
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}
