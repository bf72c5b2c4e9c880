import type Docker from 'dockerode';
import { decodeDockerLog } from './docker-log.js';

/** What the cleanup job did on one node: its lines (`removed volume …`, `removed container …`, errors). */
export interface NodeCleanupReport {
  /** Lines of every node's task, each starting with the node's host name. */
  lines: string[];
  /** How many nodes ran it (one task each), and how many of those ended `complete`. */
  nodes: number;
  completed: number;
}

/**
 * Run by `node -e` on every node, with only Node's own modules: through the node's Docker
 * socket, removes the containers, then the volumes, whose labels match every filter in
 * SLIPWAY_CLEANUP_LABELS (JSON array) and whose build is one of SLIPWAY_CLEANUP_BUILDS.
 */
const SCRIPT = `
const http = require('node:http');
const host = require('node:os').hostname();
const labels = JSON.parse(process.env.SLIPWAY_CLEANUP_LABELS);
const builds = JSON.parse(process.env.SLIPWAY_CLEANUP_BUILDS);
const call = (method, path) => new Promise((resolve, reject) => {
  const req = http.request({ socketPath: '/var/run/docker.sock', method, path }, (res) => {
    let body = '';
    res.on('data', (c) => (body += c));
    res.on('end', () => resolve({ status: res.statusCode, body }));
  });
  req.on('error', reject);
  req.end();
});
(async () => {
  let failed = false;
  for (const build of builds) {
    const filters = encodeURIComponent(JSON.stringify({ label: [...labels, 'slipway.build=' + build] }));
    const containers = JSON.parse((await call('GET', '/containers/json?all=1&filters=' + filters)).body);
    for (const c of containers) {
      const r = await call('DELETE', '/containers/' + c.Id + '?force=1');
      console.log(host + ': removed container ' + c.Id.slice(0, 12) + ' of ' + build + ' (' + r.status + ')');
    }
    const volumes = JSON.parse((await call('GET', '/volumes?filters=' + filters)).body).Volumes || [];
    for (const v of volumes) {
      const r = await call('DELETE', '/volumes/' + encodeURIComponent(v.Name));
      if (r.status >= 300) failed = true;
      console.log(host + ': removed volume ' + v.Name + ' of ' + build + ' (' + r.status + ')');
    }
  }
  console.log(host + ': done');
  process.exit(failed ? 1 : 0);
})().catch((err) => { console.error(host + ': ' + err.message); process.exit(1); });
`;

const TERMINAL = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned']);

/**
 * Removes what builds left on every node of the swarm (workspace volumes and containers of
 * steps placed away from the executor's node, which its own engine cannot see): one Swarm
 * service in `GlobalJob` mode (Engine API 1.41), a task on each node that mounts that node's
 * Docker socket and runs `SCRIPT` in `image` (any image with `node`: Slipway's own), as root.
 * Waits until every task ended (or `timeoutMs`), reads their logs, removes the service.
 * Callers: the Swarm backend's teardown (for builds with workspaces on other nodes) and the
 * reaper (for the builds it reaped). Idempotent: a node with nothing left removes nothing.
 */
export async function runNodeCleanup(
  docker: Docker,
  options: { image: string; name: string; labels: string[]; buildIds: string[]; timeoutMs?: number },
): Promise<NodeCleanupReport> {
  const serviceLabels = Object.fromEntries(
    [...options.labels, 'slipway.cleanup=1'].map((l) => {
      const [k, ...v] = l.split('=');
      return [k!, v.join('=')];
    }),
  );
  const created = (await docker.createService({
    Name: options.name,
    Labels: serviceLabels,
    TaskTemplate: {
      ContainerSpec: {
        Image: options.image,
        Command: ['node', '-e', SCRIPT],
        // Each task says which node it speaks for.
        Hostname: '{{.Node.Hostname}}',
        User: '0',
        Env: [
          `SLIPWAY_CLEANUP_LABELS=${JSON.stringify(options.labels)}`,
          `SLIPWAY_CLEANUP_BUILDS=${JSON.stringify(options.buildIds)}`,
        ],
        Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock' }],
      },
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
    },
    Mode: { GlobalJob: {} },
  } as unknown as Docker.CreateServiceOptions)) as { id?: string; ID?: string };
  const id = created.id ?? created.ID ?? options.name;
  try {
    const until = Date.now() + (options.timeoutMs ?? 60_000);
    let tasks: Array<{ Status?: { State?: string } }> = [];
    for (;;) {
      tasks = (await docker.listTasks({ filters: JSON.stringify({ service: [id] }) })) as typeof tasks;
      const nodes = (await docker.listNodes({ filters: JSON.stringify({ role: ['worker', 'manager'] }) })).filter(
        (n) => (n as { Status?: { State?: string } }).Status?.State === 'ready',
      ).length;
      if (tasks.length >= nodes && tasks.every((t) => TERMINAL.has(t.Status?.State ?? ''))) break;
      if (Date.now() > until) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const raw = (await docker
      .getService(id)
      .logs({ stdout: true, stderr: true, follow: false, timestamps: true })) as unknown;
    return {
      lines: decodeDockerLog(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw))).map((l) => l.text),
      nodes: tasks.length,
      completed: tasks.filter((t) => t.Status?.State === 'complete').length,
    };
  } finally {
    await docker
      .getService(id)
      .remove()
      .catch(() => undefined);
  }
}
