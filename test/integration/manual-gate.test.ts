import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { QUEUES } from '../../services/shared/queues.js';
import { GitHubStandIn } from '../support/github-stand-in.js';
import {
  eventually,
  freshRedisUrl,
  startSlipway,
  WEBHOOK_SECRET,
  type RunningSlipway,
} from '../support/slipway-harness.js';
import { examplePayload, pushPayload, signedHeaders } from '../support/webhook-payloads.js';

const OWNER = 'acme';
const REPO = 'storefront';
const docker = new Docker();

/** e2e with a sidecar, then held for a manual test of an httpd serving the checked-out site; master deploys. */
const spec = (timeout: string) => `test:
  - {name: unit, image: slipway/busybox:1, commands: ["test -f site/index.html"]}
e2e:
  services:
    - name: db
      image: slipway/redis:1
      ready:
        command: printf 'PING\\r\\nQUIT\\r\\n' | nc 127.0.0.1 6379 | grep -q PONG
        interval: 1s
        timeout: 30s
  steps:
    - name: stock
      image: slipway/busybox:1
      commands:
        - printf 'SET stock 12\\r\\nGET stock\\r\\nQUIT\\r\\n' | nc db 6379 | grep 12
  manual:
    app:
      image: slipway/busybox:1
      command: [httpd, -f, -p, "8080", -h, /workspace/site]
      port: 8080
    people: {users: [tess]}
    instructions: Open the page; it must say hello.
    timeout: ${timeout}
deploy:
  environments:
    staging:
      branch: master
      steps:
        - {name: ship, image: slipway/busybox:1, commands: [echo "shipping to $SLIPWAY_ENVIRONMENT"]}
`;

interface Gate {
  url: string;
  state: string;
  decisions: Array<{ user: string; decision: string; counted: boolean; why?: string; via: string }>;
}

/**
 * A manual test gate on the real swarm, Redis and git, from GitHub's example payloads: the e2e
 * stage is held with its sidecar and an application reachable at its URL, no build job running,
 * until a person passes it (the deploy runs), fails it (the pipeline stops) or it times out
 * (it fails); each way everything the build made is torn down.
 */
describe('manual test gates', () => {
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  let redisUrl: string;
  let n = 0;
  let pr = 40;

  beforeAll(async () => {
    redisUrl = await freshRedisUrl(9);
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    await standIn.createRepo(OWNER, REPO);
    standIn.setPermission(OWNER, REPO, 'tess', 'write');
    standIn.setPermission(OWNER, REPO, 'mallory', 'admin');
    slipway = await startSlipway({ standIn, redisUrl });
  });

  afterAll(async () => {
    await slipway?.close();
    expect(standIn?.violations ?? []).toEqual([]);
    await standIn?.stop();
  });

  async function deliver(event: string, payload: unknown): Promise<Response> {
    const body = JSON.stringify(payload);
    return fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders(event, body, WEBHOOK_SECRET, `manual-gate-${++n}`),
      body,
    });
  }
  /** A push to master and a pull request whose head is that commit (where /pass is commented). */
  async function push(timeout: string): Promise<{ sha: string; build: string; pullRequest: number; site: string }> {
    const site = `hello from push ${n}\n`;
    const sha = await standIn.commit(OWNER, REPO, 'master', {
      '.buildspec.yml': spec(timeout),
      'site/index.html': site,
    });
    const res = await deliver(
      'push',
      pushPayload({
        owner: OWNER,
        repo: REPO,
        cloneUrl: `https://github.com/${OWNER}/${REPO}.git`,
        branch: 'master',
        before: '1'.repeat(40),
        after: sha,
      }),
    );
    expect(res.status).toBe(202);
    const pullRequest = ++pr;
    standIn.addPullRequest(OWNER, REPO, {
      number: pullRequest,
      headSha: sha,
      headRef: `f${pr}`,
      baseRef: 'master',
      user: 'octocat',
    });
    return { sha, build: ((await res.json()) as { build: string }).build, pullRequest, site };
  }
  const comment = (number: number, user: string, body: string) => {
    const payload = examplePayload('issue_comment', (p) => p.action === 'created');
    payload.issue.number = number;
    payload.issue.pull_request = { url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/${number}` };
    payload.comment.body = body;
    payload.comment.user.login = user;
    payload.repository.name = REPO;
    payload.repository.full_name = `${OWNER}/${REPO}`;
    payload.repository.owner.login = OWNER;
    return deliver('issue_comment', payload);
  };
  const status = (sha: string, context: string) => standIn.latestStatus(OWNER, REPO, sha, `slipway/${context}`);
  const gateOf = async (build: string) => {
    const res = await fetch(`${slipway.url}/api/v1/builds/${build}`);
    return ((await res.json()) as { gate?: Gate }).gate;
  };
  /** Waits for the e2e stage to be held; answers the gate the API shows. */
  async function held(sha: string, build: string): Promise<Gate> {
    await eventually(
      'the e2e stage to be held for a manual test',
      () => (status(sha, 'e2e')?.description?.startsWith('Waiting: for a manual test at http://') ? true : undefined),
      90_000,
    );
    const gate = (await gateOf(build))!;
    expect(status(sha, 'e2e')?.description).toContain(gate.url);
    return gate;
  }
  const page = async (url: string) => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
      return { status: res.status, text: await res.text() };
    } catch {
      return undefined;
    }
  };
  /** What is left on the engine of a build: services, networks, volumes, containers. */
  async function leftOf(build: string): Promise<string[]> {
    const filters = JSON.stringify({ label: [`slipway.build=${build}`] });
    return [
      ...(await docker.listServices({ filters })).map((s) => `service ${s.Spec?.Name}`),
      ...(await docker.listNetworks({ filters })).map((x) => `network ${x.Name}`),
      ...((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => `volume ${v.Name}`),
      ...(await docker.listContainers({ all: true, filters })).map((c) => `container ${c.Names?.[0]}`),
    ];
  }
  const nothingLeft = (build: string) =>
    eventually(
      'nothing of the build to be left',
      async () => ((await leftOf(build)).length === 0 ? true : undefined),
      20_000,
    );
  async function activeBuildJobs(): Promise<number> {
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    const queue = new Queue(QUEUES.builds, { connection });
    try {
      return await queue.getActiveCount();
    } finally {
      await queue.close();
      connection.disconnect();
    }
  }

  it('keeps the application at its URL, holding no worker, until a tester passes it; then it deploys', async () => {
    const { sha, build, pullRequest, site } = await push('10m');
    const gate = await held(sha, build);
    expect(gate).toMatchObject({ state: 'pending', decisions: [] });
    expect(gate.url).toMatch(/^http:\/\/[\w.-]+:\d+$/);
    // The application serves the checked-out workspace, at its URL, while no build job runs.
    expect(await page(gate.url)).toEqual({ status: 200, text: site });
    expect(await activeBuildJobs()).toBe(0);
    expect((await slipway.builds.get(build))?.state).toBe('waiting');
    const up = await leftOf(build);
    expect(up).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^service .*manual-app/),
        expect.stringMatching(/^service .*svc-db/),
      ]),
    );
    expect(status(sha, 'deploy/staging')?.state).toBe('pending');

    // Someone the spec does not name: recorded, not counted.
    expect((await comment(pullRequest, 'mallory', '/pass')).status).toBe(202);
    await eventually(
      'the decision to be recorded',
      async () => ((await gateOf(build))?.decisions.length === 1 ? true : undefined),
      30_000,
    );
    expect((await gateOf(build))?.decisions[0]).toMatchObject({
      user: 'mallory',
      counted: false,
      why: 'mallory is not among the testers (tess)',
    });
    expect(await page(gate.url)).toMatchObject({ status: 200 });

    // The tester, through the API as herself.
    const token = await slipway.personalToken('tess', ['read', 'approve']);
    const res = await fetch(`${slipway.url}/api/v1/builds/${build}/gate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'pass', reason: 'says hello' }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ build, decision: 'pass', by: 'tess', reason: 'says hello' });
    const deployed = await eventually(
      'the deploy to run',
      () => (status(sha, 'deploy/staging')?.state === 'success' ? status(sha, 'deploy/staging') : undefined),
      90_000,
    );
    expect(deployed.description).toMatch(/^1 step passed/);
    expect(status(sha, 'e2e')).toMatchObject({
      state: 'success',
      description: 'Manual test passed by tess: says hello',
    });
    expect((await slipway.logs.read(build, 'ship')).map((l) => l.text)).toContain('shipping to staging');
    await nothingLeft(build);
    expect(await page(gate.url)).toBeUndefined();
  });

  it('stops the pipeline when the tester fails it, with the reason; nothing is left', async () => {
    const { sha, build, pullRequest } = await push('10m');
    const gate = await held(sha, build);
    expect(await page(gate.url)).toMatchObject({ status: 200 });
    await comment(pullRequest, 'tess', '/fail the page is blank on mobile');
    const failed = await eventually(
      'the e2e stage to fail',
      () => (status(sha, 'e2e')?.state === 'failure' ? status(sha, 'e2e') : undefined),
      60_000,
    );
    expect(failed.description).toBe('Manual test failed by tess: the page is blank on mobile');
    await eventually(
      'the build to end',
      async () => ((await slipway.builds.get(build))?.state === 'failure' ? true : undefined),
      30_000,
    );
    const skipped = await eventually(
      'the deploy to be skipped',
      () => (status(sha, 'deploy/staging')?.state === 'failure' ? status(sha, 'deploy/staging') : undefined),
      30_000,
    );
    expect(skipped.description).toBe('Not run: e2e failed');
    expect(await slipway.logs.read(build, 'ship')).toEqual([]);
    await nothingLeft(build);
    expect(await page(gate.url)).toBeUndefined();
  });

  it('fails when nobody decides within its timeout, and leaves nothing behind', async () => {
    const { sha, build } = await push('3s');
    await eventually(
      'the gate to time out',
      () => (status(sha, 'e2e')?.state === 'failure' ? true : undefined),
      90_000,
    );
    expect(status(sha, 'e2e')?.description).toBe('Manual test timed out: nobody passed or failed it within 3s');
    expect((await gateOf(build))?.state).toBe('expired');
    await eventually(
      'the deploy to be skipped',
      () => (status(sha, 'deploy/staging')?.state === 'failure' ? true : undefined),
      30_000,
    );
    await nothingLeft(build);
  });
});
