import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { projectRoot } from '../../services/shared/project-root.js';
import { GitHubStandIn } from '../support/github-stand-in.js';
import { eventually, freePort, testInstance, WEBHOOK_SECRET } from '../support/slipway-harness.js';
import { pushPayload } from '../support/webhook-payloads.js';

const run = promisify(execFile);
const docker = async (...args: string[]) => (await run('docker', args, { maxBuffer: 16 << 20 })).stdout.trim();

const OWNER = 'acme';
const REPO = 'stacked';
const SPEC = `version: 1
test:
  - name: unit
    image: slipway/busybox:1
    commands: [sleep 2, echo "built by the stack"]
`;

/**
 * swarm-stack.yml as an operator deploys it (the image from scripts/slipway-image.sh, secrets
 * made beforehand, settings as variables): a webhook delivered to the published port becomes
 * statuses on the stand-in, and `docker stack rm` leaves nothing of the stack behind.
 */
describe('the stack: deploy, a webhook to the published port, statuses, remove', () => {
  const tag = process.env.SLIPWAY_TEST_TAG ?? 'local';
  const stack = `slwsmoke-${tag}`.replace(/[^a-z0-9-]/g, '-');
  const prefix = `${stack}-secret`;
  let standIn: GitHubStandIn;
  let port: number;
  let hookId: number;
  let sha: string;

  const env = () => ({
    ...process.env,
    SLIPWAY_PORT: String(port),
    SLIPWAY_GITHUB_API_URL: standIn.apiUrl,
    SLIPWAY_PUBLIC_URL: `http://127.0.0.1:${port}`,
    SLIPWAY_CLONE_URL_REWRITE: `https://github.com/=${standIn.cloneUrl('x', 'y').replace(/x\/y\.git$/, '')}`,
    SLIPWAY_INSTANCE: testInstance('stack-smoke'),
    SLIPWAY_SECRETS_PREFIX: prefix,
    // One node: the new receiver cannot bind the published port beside the old one.
    SLIPWAY_RECEIVER_UPDATE_ORDER: 'stop-first',
  });
  const secrets: Record<string, string> = {
    webhook_secret: WEBHOOK_SECRET,
    github_token: 'test-token',
    api_token: 'smoke-api-token',
    redis_password: 'smoke-redis-password',
  };

  beforeAll(async () => {
    // The image of this checkout (SLIPWAY_TEST_IMAGE_BUILT=1: already built by the caller).
    if (!process.env.SLIPWAY_TEST_IMAGE_BUILT) {
      await run('bash', [path.join(projectRoot(), 'scripts/slipway-image.sh')], { maxBuffer: 16 << 20 });
    }
    standIn = await GitHubStandIn.start({ host: '172.17.0.1', token: 'test-token' });
    await standIn.createRepo(OWNER, REPO);
    sha = await standIn.commit(OWNER, REPO, 'main', { 'README.md': 'stacked', '.buildspec.yml': SPEC });
    port = await freePort();
    hookId = standIn.addWebhook(
      { kind: 'repo', owner: OWNER, repo: REPO },
      `http://127.0.0.1:${port}/webhooks`,
      WEBHOOK_SECRET,
    );
    for (const [name, value] of Object.entries(secrets)) {
      await docker('secret', 'rm', `${prefix}_${name}`).catch(() => undefined);
      const made = run('docker', ['secret', 'create', `${prefix}_${name}`, '-']);
      made.child.stdin?.end(value);
      await made;
    }
  }, 600_000);

  afterAll(async () => {
    await docker('stack', 'rm', stack).catch(() => undefined);
    await eventually(
      'the stack to be gone',
      async () =>
        (await docker('ps', '-aq', '--filter', `label=com.docker.stack.namespace=${stack}`)) === '' ? true : undefined,
      120_000,
    ).catch(() => undefined);
    for (const name of Object.keys(secrets)) await docker('secret', 'rm', `${prefix}_${name}`).catch(() => undefined);
    await docker('volume', 'rm', `${stack}_redis-data`).catch(() => undefined);
    await standIn?.stop();
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
        const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        return res?.ok ? true : undefined;
      },
      180_000,
    );
    const readyMs = Date.now() - startedAt;

    const payload = pushPayload({
      owner: OWNER,
      repo: REPO,
      cloneUrl: `https://github.com/${OWNER}/${REPO}.git`,
      branch: 'main',
      before: '0'.repeat(40),
      after: sha,
    });
    const delivered = await standIn.deliverWebhook(hookId, 'push', payload);
    expect(delivered.status_code).toBe(202);
    await eventually(
      'the build to post success',
      async () => (standIn.latestStatus(OWNER, REPO, sha, 'slipway/test')?.state === 'success' ? true : undefined),
      180_000,
    );
    expect(standIn.statuses(OWNER, REPO, sha).map((s) => s.state)).toEqual(['pending', 'pending', 'success']);

    // Health checks pass: every task of the stack is running and healthy.
    const tasks = await docker(
      'ps',
      '--filter',
      `label=com.docker.stack.namespace=${stack}`,
      '--format',
      '{{.Status}}',
    );
    expect(tasks.split('\n').every((s) => /\(healthy\)/.test(s))).toBe(true);

    await docker('stack', 'rm', stack);
    await eventually(
      'nothing of the stack to remain',
      async () => {
        const left = [
          await docker('service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${stack}`),
          await docker('network', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${stack}`),
          await docker('ps', '-aq', '--filter', `label=com.docker.stack.namespace=${stack}`),
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
