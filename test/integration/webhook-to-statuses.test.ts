import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { createdServices } from '../support/docker-events.js';
import { GitHubStandIn } from '../support/github-stand-in.js';
import {
  eventually,
  freshRedisUrl,
  requestJobCount,
  startSlipway,
  WEBHOOK_SECRET,
  type RunningSlipway,
} from '../support/slipway-harness.js';
import { pushPayload, signedHeaders } from '../support/webhook-payloads.js';

const OWNER = 'acme';
const REPO = 'shop';
const SPEC = `version: 1
test:
  - name: unit
    image: slipway/busybox:1
    commands:
      - test -f README.md
      - echo "unit ok"
  - name: lint
    image: slipway/busybox:1
    commands: [echo "lint ok"]
e2e:
  - name: checkout flow
    image: slipway/busybox:1
    commands:
      - echo "about to fail on purpose"
      - exit 3
deploy:
  - name: staging
    image: slipway/busybox:1
    commands: [echo "must never run"]
`;

const docker = new Docker();

describe('a signed push webhook runs .buildspec.yml on the swarm and posts statuses', () => {
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  let sha: string;
  let redisUrl: string;
  const since = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    redisUrl = await freshRedisUrl(1);
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    await standIn.createRepo(OWNER, REPO);
    sha = await standIn.commit(OWNER, REPO, 'master', { 'README.md': '# shop\n', '.buildspec.yml': SPEC });
    slipway = await startSlipway({ standIn, redisUrl });
  });

  afterAll(async () => {
    await slipway?.close();
    await standIn?.stop();
  });

  const deliver = (deliveryId: string, secret = WEBHOOK_SECRET) => {
    const payload = pushPayload({
      owner: OWNER,
      repo: REPO,
      cloneUrl: `https://github.com/${OWNER}/${REPO}.git`,
      branch: 'master',
      before: '0'.repeat(40),
      after: sha,
    });
    const body = JSON.stringify(payload);
    return fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders('push', body, secret, deliveryId),
      body,
    });
  };

  it('refuses a wrong signature and runs nothing', async () => {
    const res = await deliver('11111111-aaaa-bbbb-cccc-000000000000', 'not-the-secret');
    expect(res.status).toBe(401);
    expect(await requestJobCount(redisUrl)).toBe(0);
  });

  it('runs test, fails e2e, does not deploy, serves the failing log, and leaves nothing behind', async () => {
    const delivery = '72d3162e-cc78-11e3-81ab-4c9367dc0958';
    const first = await deliver(delivery);
    expect(first.status).toBe(202);
    const { build } = (await first.json()) as { build: string };
    // GitHub redelivers the same delivery: it must change nothing.
    expect((await deliver(delivery)).status).toBe(202);

    const deploy = await eventually(
      'a final slipway/deploy status',
      () => {
        const s = standIn.latestStatus(OWNER, REPO, sha, 'slipway/deploy');
        return s && s.state !== 'pending' ? s : undefined;
      },
      120_000,
    );
    expect(deploy.state).toBe('failure');
    expect(deploy.description).toBe('Not run: e2e failed');

    const test = standIn.latestStatus(OWNER, REPO, sha, 'slipway/test');
    expect(test?.state).toBe('success');
    const e2e = standIn.latestStatus(OWNER, REPO, sha, 'slipway/e2e');
    expect(e2e?.state).toBe('failure');
    expect(e2e?.description).toBe('Step "checkout flow" failed with exit code 3');
    for (const context of ['slipway/test', 'slipway/e2e', 'slipway/deploy']) {
      expect(standIn.statuses(OWNER, REPO, sha).find((s) => s.context === context)?.state).toBe('pending');
    }
    expect(standIn.violations).toEqual([]);

    // The failing step's log is at the status's target_url.
    const log = await fetch(e2e!.target_url!);
    expect(log.status).toBe(200);
    const text = await log.text();
    expect(text).toContain('about to fail on purpose');
    expect(text).toContain('$ exit 3');

    const record = (await (await fetch(`${slipway.url}/builds/${build}`)).json()) as {
      state: string;
      stages: Array<{ name: string; state: string; steps: Array<{ state: string }> }>;
    };
    expect(record.state).toBe('failure');
    expect(record.stages.map((s) => [s.name, s.state])).toEqual([
      ['test', 'success'],
      ['e2e', 'failure'],
      ['deploy', 'skipped'],
    ]);

    // Every step ran as a Swarm service, once, even though the webhook came twice; deploy never ran.
    const created = (await createdServices(docker, since)).filter((name) => name.includes(build));
    expect(created.sort()).toEqual([
      `slw-${build}-checkout-1`,
      `slw-${build}-checkout-flow-1`,
      `slw-${build}-lint-1`,
      `slw-${build}-unit-1`,
    ]);
    expect(await requestJobCount(redisUrl)).toBe(1);

    // Nothing of the build is left on the engine.
    const filters = JSON.stringify({ label: [`slipway.build=${build}`] });
    await eventually(
      "the build's Swarm objects to be gone",
      async () => {
        const left = [
          ...(await docker.listServices({ filters })).map((s) => `service ${s.Spec?.Name}`),
          ...(await docker.listNetworks({ filters })).map((n) => `network ${n.Name}`),
          ...((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => `volume ${v.Name}`),
          ...(await docker.listContainers({ all: true, filters })).map((c) => `container ${c.Id}`),
        ];
        return left.length === 0 ? true : undefined;
      },
      10_000,
    );
  });
});
