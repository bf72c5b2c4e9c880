import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * A second, three-node swarm on this machine (a manager and two workers), built in network
 * namespaces by scripts/multinode.sh (root only), for placement and node-loss tests. It is
 * separate from the host's one-node swarm, which it never touches.
 *
 * Use: `const swarm = await multiNodeSwarm()` in `beforeAll`, talk to
 * `new Docker({ socketPath: swarm.managerSocket })`, and call `multiNodeDown()` in `afterAll`
 * (it works even when `multiNodeSwarm()` threw, and when nothing is up).
 */
export interface MultiNodeSwarm {
  /** Unix socket of the manager's dockerd (node `slwmn-mgr`, 10.231.0.10). */
  managerSocket: string;
  /** Hostname of the worker node labelled `slipway.pool=board`, as `GET /nodes` reports it. */
  workerHostname: string;
  /** Hostnames of both workers (`node.role==worker`): the labelled one first. */
  workerHostnames: readonly string[];
  /** Kills the labelled worker's dockerd with SIGKILL: the manager loses the node. */
  killWorker(): Promise<void>;
  /** Tears the whole thing down (same as `multiNodeDown()`). */
  down(): Promise<void>;
}

export const SCRIPT = fileURLToPath(new URL('../../scripts/multinode.sh', import.meta.url));
export const MANAGER_HOSTNAME = 'slwmn-mgr';
export const WORKER_HOSTNAME = 'slwmn-w1';
/** The second worker, without a label. */
export const SECOND_WORKER_HOSTNAME = 'slwmn-w2';
/** The placement constraint that sends a task to the labelled worker. */
export const BOARD_CONSTRAINT = 'node.labels.slipway.pool==board';
/** A placement both workers satisfy. */
export const WORKER_CONSTRAINT = 'node.role==worker';

/** The script's name of a worker node (`w1`) from its hostname (`slwmn-w1`). */
function nodeName(hostname: string): string {
  if (hostname !== WORKER_HOSTNAME && hostname !== SECOND_WORKER_HOSTNAME)
    throw new Error(`${hostname} is not a worker of scripts/multinode.sh`);
  return hostname.replace(/^slwmn-/, '');
}

/**
 * Brings the swarm up (or reuses a healthy one). Throws with the script's stderr if it fails.
 * `heartbeat` (e.g. `'1s'`) sets the swarm's dispatcher heartbeat, also on a reused swarm: a
 * lost node is marked down after 2-3 of them. `images` are host images loaded into every node
 * besides the test images (e.g. Slipway's own, for the cleanup job).
 */
export async function multiNodeSwarm(options: { heartbeat?: string; images?: string[] } = {}): Promise<MultiNodeSwarm> {
  const env: Record<string, string> = {};
  if (options.heartbeat) env.SLIPWAY_MN_HEARTBEAT = options.heartbeat;
  if (options.images) env.SLIPWAY_MN_IMAGES = options.images.join(' ');
  const { stdout } = await runScript(['up'], 150_000, env);
  const managerSocket = stdout.trim().split('\n').pop()?.trim() ?? '';
  if (!managerSocket.startsWith('/')) {
    throw new Error(`scripts/multinode.sh up printed no manager socket path; stdout was: ${JSON.stringify(stdout)}`);
  }
  return {
    managerSocket,
    workerHostname: WORKER_HOSTNAME,
    workerHostnames: [WORKER_HOSTNAME, SECOND_WORKER_HOSTNAME],
    killWorker,
    down: multiNodeDown,
  };
}

/** Tears the multi-node swarm down; safe when nothing is up. */
export async function multiNodeDown(): Promise<void> {
  await runScript(['down'], 120_000);
}

/** Kills the labelled worker (`slwmn-w1`): see {@link killNode}. */
export function killWorker(): Promise<void> {
  return killNode(WORKER_HOSTNAME);
}

/**
 * Simulates a lost node: SIGKILL to the worker's dockerd, then waits until it is gone. Its
 * containerd dies with it; the task's container keeps running unseen until the node is revived
 * ({@link reviveNode}) or `multiNodeDown()`.
 */
export async function killNode(hostname: string): Promise<void> {
  const node = nodeName(hostname);
  const pidfile = `/run/slipway-mn/${node}.pid`;
  const pid = Number((await readFile(pidfile, 'utf8')).trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no usable pid in ${pidfile}`);
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes(`unix:///run/slipway-mn/${node}.sock`))
    throw new Error(`pid ${pid} from ${pidfile} is not the dockerd of ${hostname} (already dead?)`);
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while (await isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`dockerd of ${hostname} (pid ${pid}) still alive 10 s after SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Brings a killed worker back (`scripts/multinode.sh revive`): what it left is killed, its
 * dockerd starts again on its data-root and it rejoins as the same node; resolves once every
 * node is Ready again.
 */
export async function reviveNode(hostname: string): Promise<void> {
  await runScript(['revive', nodeName(hostname)], 120_000);
}

/** A worker engine's own socket, to look at what is on that node. */
export function nodeSocket(hostname: string): string {
  return `/run/slipway-mn/${nodeName(hostname)}.sock`;
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

function runScript(
  args: ['up' | 'down' | 'status'] | ['revive', string],
  timeout: number,
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  const command = args.join(' ');
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [SCRIPT, ...args],
      { timeout, killSignal: 'SIGTERM', maxBuffer: 16 * 1024 * 1024, env: { ...process.env, ...env } },
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
