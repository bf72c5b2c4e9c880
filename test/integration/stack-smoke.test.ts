import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildIdFor } from '../../services/core/plan/naming.js';
import { projectRoot } from '../../services/shared/project-root.js';
import { GitHubStandIn } from '../support/github-stand-in.js';
import { eventually, freePort, testInstance, WEBHOOK_SECRET } from '../support/slipway-harness.js';
import { deliverPush } from '../support/hook-push.js';
import {
  MANAGER_HOSTNAME,
  multiNodeDown,
  multiNodeSwarm,
  nodeSocket,
  SECOND_WORKER_HOSTNAME,
  WORKER_HOSTNAME,
} from '../support/multinode.js';

const run = promisify(execFile);
/** The multi-node swarm's manager (scripts/multinode.sh), set in `beforeAll`. */
let managerHost = '';
const docker = async (...args: string[]) =>
  (await run('docker', ['-H', managerHost, ...args], { maxBuffer: 16 << 20 })).stdout.trim();
/** `docker ps ARGS` on every node's own engine, one line per container. */
const psEverywhere = async (...args: string[]) => {
  const engines = [managerHost, ...[WORKER_HOSTNAME, SECOND_WORKER_HOSTNAME].map((h) => `unix://${nodeSocket(h)}`)];
  const out = await Promise.all(
    engines.map(async (h) => (await run('docker', ['-H', h, 'ps', ...args], { maxBuffer: 16 << 20 })).stdout.trim()),
  );
  return out.filter(Boolean).join('\n');
};
/** The receiver's node and address: the test's process reaches it on the namespaces' bridge. */
const RECEIVER_NODE = WORKER_HOSTNAME;
const RECEIVER_ADDR = '10.231.0.11';
/** Where the nodes reach the test's process (the stand-in's API and git daemon). */
const HOST_ADDR = '10.231.0.1';

const OWNER = 'acme';
const REPO = 'stacked';
const SPEC = `version: 1
test:
  - name: unit
    image: slipway/busybox:1
    commands: [sleep 2, echo "built by the stack"]
`;
const SLOW_SPEC = SPEC.replace('sleep 2', 'sleep 25');

/**
 * swarm-stack.yml as an operator deploys it (the image from scripts/slipway-image.sh, secrets
 * made beforehand, settings as variables), on the three-node swarm of scripts/multinode.sh with
 * its second worker promoted to manager (executors need a manager's engine): Redis on the first
 * manager, the receiver on the worker (its port published there), executors on both managers.
 * A webhook delivered to the published port becomes statuses on the stand-in, and `docker stack
 * rm` leaves nothing of the stack behind on any node.
 */
describe('the stack: deploy, a webhook to the published port, statuses, remove', () => {
  const tag = process.env.SLIPWAY_TEST_TAG ?? 'local';
  const stack = `slwsmoke-${tag}`.replace(/[^a-z0-9-]/g, '-');
  const prefix = `${stack}-secret`;
  let standIn: GitHubStandIn;
  let port: number;
  let hookId: number;
  let sha: string;
  const shas: Record<string, string> = {};

  const env = () => ({
    ...process.env,
    DOCKER_HOST: managerHost,
    SLIPWAY_PORT: String(port),
    SLIPWAY_GITHUB_API_URL: standIn.apiUrl,
    SLIPWAY_PUBLIC_URL: `http://${RECEIVER_ADDR}:${port}`,
    SLIPWAY_REDIS_CONSTRAINT: `node.hostname == ${MANAGER_HOSTNAME}`,
    SLIPWAY_RECEIVER_CONSTRAINT: `node.hostname == ${RECEIVER_NODE}`,
    SLIPWAY_CLONE_URL_REWRITE: `https://github.com/=${standIn.cloneUrl('x', 'y').replace(/x\/y\.git$/, '')}`,
    SLIPWAY_INSTANCE: testInstance('stack-smoke'),
    SLIPWAY_SECRETS_PREFIX: prefix,
    // One receiver node: the new receiver cannot bind the published port beside the old one.
    SLIPWAY_RECEIVER_UPDATE_ORDER: 'stop-first',
    // Deliveries that fail while the receiver is replaced are redelivered soon.
    SLIPWAY_WEBHOOK_HOOKS: `${OWNER}/${REPO}#${hookId}`,
    SLIPWAY_RECONCILE_INTERVAL_MS: '5000',
    // One build at a time per executor, so two executors must share four builds.
    SLIPWAY_EXECUTOR_CONCURRENCY: '1',
  });
  const secrets: Record<string, string> = {
    webhook_secret: WEBHOOK_SECRET,
    github_token: 'test-token',
    api_token: 'smoke-api-token',
    redis_password: 'smoke-redis-password',
  };

  beforeAll(async () => {
    const began = Date.now();
    // The image of this checkout (SLIPWAY_TEST_IMAGE_BUILT=1: already built by the caller),
    // built while the swarm comes up; then loaded into its nodes.
    const built = process.env.SLIPWAY_TEST_IMAGE_BUILT
      ? Promise.resolve()
      : run('bash', [path.join(projectRoot(), 'scripts/slipway-image.sh')], { maxBuffer: 16 << 20 });
    await Promise.all([built, multiNodeSwarm()]);
    const swarm = await multiNodeSwarm({ images: ['slipway/slipway:dev', 'slipway/redis:1'] });
    managerHost = `unix://${swarm.managerSocket}`;
    console.info(`stack smoke: image built and the swarm up with it on every node in ${Date.now() - began} ms`);
    await docker('node', 'promote', SECOND_WORKER_HOSTNAME);
    standIn = await GitHubStandIn.start({ host: HOST_ADDR, gitHost: HOST_ADDR, token: 'test-token' });
    await standIn.createRepo(OWNER, REPO);
    sha = await standIn.commit(OWNER, REPO, 'main', { 'README.md': 'stacked', '.buildspec.yml': SPEC });
    shas.slow = await standIn.commit(OWNER, REPO, 'slow', { 'README.md': 'slow', '.buildspec.yml': SLOW_SPEC });
    for (const branch of ['during', 'p1', 'p2', 'p3', 'p4']) {
      shas[branch] = await standIn.commit(OWNER, REPO, branch, { 'README.md': branch, '.buildspec.yml': SPEC });
    }
    port = await freePort();
    hookId = standIn.addWebhook(
      { kind: 'repo', owner: OWNER, repo: REPO },
      `http://${RECEIVER_ADDR}:${port}/webhooks`,
      WEBHOOK_SECRET,
    );
    for (const [name, value] of Object.entries(secrets)) {
      await docker('secret', 'rm', `${prefix}_${name}`).catch(() => undefined);
      const made = run('docker', ['-H', managerHost, 'secret', 'create', `${prefix}_${name}`, '-']);
      made.child.stdin?.end(value);
      await made;
    }
  }, 600_000);

  afterAll(async () => {
    // The whole swarm goes, with the stack's volumes and secrets.
    await standIn?.stop();
    await multiNodeDown();
  }, 180_000);

  it('deploys, builds a delivered push, and is removed without a trace', async () => {
    const root = projectRoot();
    await run('docker', ['stack', 'deploy', '-c', path.join(root, 'swarm-stack.yml'), stack], {
      env: env(),
      cwd: root,
    });

    const startedAt = Date.now();
    await eventually(
      'the receiver to be ready on the published port',
      async () => {
        const res = await fetch(`http://${RECEIVER_ADDR}:${port}/readyz`).catch(() => undefined);
        return res?.ok ? true : undefined;
      },
      180_000,
    );
    const readyMs = Date.now() - startedAt;

    const push = (branch: string, after: string) =>
      deliverPush(standIn, hookId, { owner: OWNER, repo: REPO, branch, sha: after });
    const state = (s: string) => standIn.latestStatus(OWNER, REPO, s, 'slipway/test')?.state;
    const delivered = await push('main', sha);
    expect(delivered.status_code).toBe(202);
    await eventually(
      'the build to post success',
      async () => (standIn.latestStatus(OWNER, REPO, sha, 'slipway/test')?.state === 'success' ? true : undefined),
      180_000,
    );
    expect(standIn.statuses(OWNER, REPO, sha).map((s) => s.state)).toEqual(['pending', 'pending', 'success']);

    // The executor, then the receiver, replaced while a build runs: it finishes, and a push made
    // while the receiver was being replaced is built too (redelivered when it found no receiver).
    await push('slow', shas.slow!);
    await eventually(
      'the slow build to run',
      async () => {
        const latest = standIn.latestStatus(OWNER, REPO, shas.slow!, 'slipway/test');
        return latest?.description === 'Running' ? true : undefined;
      },
      120_000,
    );
    const updateAt = Date.now();
    await docker('service', 'update', '--force', '--detach=true', `${stack}_executor`);
    await eventually(
      'the executor to be replaced',
      async () => {
        const states = await docker(
          'service',
          'ps',
          `${stack}_executor`,
          '--format',
          '{{.DesiredState}} {{.CurrentState}}',
        );
        return /^Running Running/.test(states) && /Shutdown/.test(states) ? true : undefined;
      },
      120_000,
    );
    await docker('service', 'update', '--force', '--detach=true', `${stack}_receiver`);
    const during = await push('during', shas.during!);
    await eventually(
      'the slow build and the push made during the update to finish',
      async () => (state(shas.slow!) === 'success' && state(shas.during!) === 'success' ? true : undefined),
      240_000,
    );
    const updatesMs = Date.now() - updateAt;

    // Two executors, one on each manager, both take work.
    await docker('service', 'scale', '--detach=true', `${stack}_executor=2`);
    await eventually(
      'two executors to be ready',
      async () => {
        const ps = await psEverywhere(
          '--filter',
          `label=com.docker.swarm.service.name=${stack}_executor`,
          '--format',
          '{{.Status}}',
        );
        return ps.split('\n').filter((l) => /\(healthy\)/.test(l)).length === 2 ? true : undefined;
      },
      120_000,
    );
    const pushed = await Promise.all(['p1', 'p2', 'p3', 'p4'].map((b) => push(b, shas[b]!)));
    const pBuilds = pushed.map((a) => buildIdFor(a.guid));
    await eventually(
      'the four pushes to be built',
      async () => (['p1', 'p2', 'p3', 'p4'].every((b) => state(shas[b]!) === 'success') ? true : undefined),
      180_000,
    );
    // Each line: `<task>@<node> | {json}`.
    const logs = await run('docker', ['-H', managerHost, 'service', 'logs', `${stack}_executor`], {
      maxBuffer: 64 << 20,
    });
    const finished = `${logs.stdout}\n${logs.stderr}`
      .split('\n')
      .filter((l) => l.includes('"build finished"') && pBuilds.some((id) => l.includes(id)));
    const finishedBy = new Set(
      finished.map((l) => (JSON.parse(l.slice(l.indexOf('{'))) as { hostname: string }).hostname),
    );
    const finishedOn = new Set(finished.map((l) => /@(\S+)\s*\|/.exec(l)?.[1]));
    expect({ executors: finishedBy.size, nodes: [...finishedOn].sort() }).toEqual({
      executors: 2,
      nodes: [MANAGER_HOSTNAME, SECOND_WORKER_HOSTNAME],
    });

    // Health checks pass: every task of the stack is running and healthy.
    const tasks = await psEverywhere(
      '--filter',
      `label=com.docker.stack.namespace=${stack}`,
      '--format',
      '{{.Status}}',
    );
    expect(tasks.split('\n').every((s) => /\(healthy\)/.test(s))).toBe(true);
    console.info(
      `stack smoke: executors on ${[...finishedOn].join(' and ')} built the four pushes ` +
        `(${finished.length} builds finished there); ` +
        `the push during the receiver's update got ${during.status_code} first; ` +
        `both updates and the builds across them took ${updatesMs} ms`,
    );

    await docker('stack', 'rm', stack);
    await eventually(
      'nothing of the stack to remain',
      async () => {
        const left = [
          await docker('service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${stack}`),
          await docker('network', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${stack}`),
          await psEverywhere('-aq', '--filter', `label=com.docker.stack.namespace=${stack}`),
          await docker('service', 'ls', '-q', '--filter', `label=slipway.instance=${testInstance('stack-smoke')}`),
        ];
        return left.every((l) => l === '') ? true : undefined;
      },
      120_000,
    );
    expect(standIn.violations).toEqual([]);
    console.info(`stack smoke: ready on the published port ${readyMs} ms after docker stack deploy`);
  }, 600_000);
});
