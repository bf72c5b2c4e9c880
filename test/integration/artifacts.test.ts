import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { BuildRecord } from '../../services/core/builds/record.js';
import { SwarmBackend, LABEL } from '../../services/executor/backend/swarm-backend.js';
import { projectRoot } from '../../services/shared/project-root.js';
import { ApiV1Client } from '../support/api-v1-client.js';
import { appKeys } from '../support/github-app-keys.js';
import { GitHubStandIn } from '../support/github-stand-in.js';
import { MANAGER_HOSTNAME, multiNodeDown, multiNodeSwarm, type MultiNodeSwarm } from '../support/multinode.js';
import {
  eventually,
  freshRedisUrl,
  startSlipway,
  testInstance,
  WEBHOOK_SECRET,
  type RunningSlipway,
} from '../support/slipway-harness.js';
import { pushPayload, signedHeaders } from '../support/webhook-payloads.js';

const APP = '5151';
const REPO = { owner: 'acme', repo: 'shipyard', installation: 81 };
const ZERO = '0'.repeat(40);
const TOKEN = 'artifacts-operator-token';
const image = 'slipway/busybox:1';

/** A test step that builds `dist/`, and a staging deploy placed on the worker node that reads it. */
const SHIP_SPEC = `version: 1
test:
  - name: build
    image: ${image}
    commands:
      - mkdir -p dist/bin
      - echo "app built from $(cat VERSION)" > dist/app.txt
      - echo "made on $SLIPWAY_NODE" > dist/node.txt
      - printf '\\000\\001\\002\\377' > dist/bin/raw.bin
    artifacts: [dist]
deploy:
  environments:
    staging:
      branch: master
      steps:
        - name: ship
          image: ${image}
          placement:
            constraints: [node.labels.slipway.pool==board]
          commands:
            - cat dist/app.txt
            - cat dist/node.txt
            - wc -c < dist/bin/raw.bin
            - echo "deploying on $SLIPWAY_NODE"
`;

const JUNIT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="cart" tests="3" failures="1">
    <testcase classname="cart" name="adds an item" time="0.010" file="src/cart.test.js" line="4"/>
    <testcase classname="cart" name="applies the discount" time="0.250" file="src/cart.test.js" line="12">
      <failure message="expected 90 to equal 81">AssertionError: expected 90 to equal 81
    at Context.&lt;anonymous&gt; (/workspace/src/cart.test.js:14:22)</failure>
    </testcase>
    <testcase classname="cart" name="empties" time="0.002"/>
  </testsuite>
</testsuites>`;

const FAILING_SPEC = `version: 1
test:
  - name: unit
    image: ${image}
    commands:
      - mkdir -p build/junit
      - cp junit.xml build/junit/cart.xml
      - 'echo "src/cart.js:3:7: warning: magic number 0.9" >> "$SLIPWAY_ANNOTATIONS"'
      - echo "1 failing"
      - exit 1
    reports: [build/junit/*.xml]
`;

/**
 * Artifacts and test reports end to end: Slipway in this process (App mode, so check runs are
 * posted) with its executor on the multi-node swarm of scripts/multinode.sh. An artifact made in
 * the test stage on the manager is restored into the deploy's workspace on the worker, and
 * is listed and downloaded through the API and the CLI; a failing JUnit test is on the API,
 * the build page and the check run, with the annotations the step wrote.
 */
describe('artifacts and test reports', () => {
  let swarm: MultiNodeSwarm;
  let docker: Docker;
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  let api: ApiV1Client;
  let n = 0;

  beforeAll(async () => {
    swarm = await multiNodeSwarm();
    docker = new Docker({ socketPath: swarm.managerSocket });
    const redisUrl = await freshRedisUrl(9);
    // The nodes reach the host (and its git daemon) on the namespaces' bridge.
    standIn = await GitHubStandIn.start({ gitHost: '10.231.0.1', token: 'not-slipways' });
    const keys = appKeys();
    standIn.registerApp(APP, keys.publicKey, REPO.installation, [`${REPO.owner}/${REPO.repo}`]);
    await standIn.createRepo(REPO.owner, REPO.repo);
    slipway = await startSlipway({
      standIn,
      redisUrl,
      backend: new SwarmBackend(docker, { instance: testInstance('artifacts') }),
      env: {
        SLIPWAY_GITHUB_TOKEN: '',
        SLIPWAY_GITHUB_APP_ID: APP,
        SLIPWAY_GITHUB_APP_PRIVATE_KEY: keys.privateKey,
        SLIPWAY_API_TOKEN: TOKEN,
        SLIPWAY_ARTIFACTS_DIR: mkdtempSync(join(tmpdir(), 'slipway-artifacts-it-')),
      },
    });
    api = new ApiV1Client(slipway.url, { authorization: `Bearer ${TOKEN}` });
  }, 180_000);

  afterAll(async () => {
    expect(api?.violations ?? []).toEqual([]);
    expect(standIn?.violations ?? []).toEqual([]);
    await slipway?.close();
    await standIn?.stop();
    await multiNodeDown();
  }, 150_000);

  async function push(branch: string, files: Record<string, string>): Promise<string> {
    const sha = await standIn.commit(REPO.owner, REPO.repo, branch, files);
    const payload = {
      ...pushPayload({
        owner: REPO.owner,
        repo: REPO.repo,
        cloneUrl: `https://github.com/${REPO.owner}/${REPO.repo}.git`,
        branch,
        before: ZERO,
        after: sha,
      }),
      installation: {
        id: REPO.installation,
        node_id: Buffer.from(`installation${REPO.installation}`).toString('base64'),
      },
    };
    const body = JSON.stringify(payload);
    const res = await fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders('push', body, WEBHOOK_SECRET, `artifacts-${++n}`),
      body,
    });
    expect(res.status).toBe(202);
    return sha;
  }

  const finished = (sha: string) =>
    eventually(
      `the build of ${sha.slice(0, 7)} to finish`,
      async () => {
        const build = (await slipway.builds.recent(20)).find((b) => b.request.sha === sha);
        return build && ['success', 'failure', 'error', 'cancelled'].includes(build.state) ? build : undefined;
      },
      150_000,
    );

  const log = async (build: BuildRecord, step: string) =>
    (await slipway.logs.read(build.id, step)).map((l) => l.text.trim());

  function cli(args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [join(projectRoot(), 'bin', 'slipway.js'), ...args],
        { env: { ...process.env, SLIPWAY_URL: slipway.url, SLIPWAY_API_TOKEN: TOKEN }, encoding: 'buffer' },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr: stderr.toString() }),
      );
    });
  }

  it('restores an artifact made in test into a deploy on another node, served by API and CLI', async () => {
    const sha = await push('master', { '.buildspec.yml': SHIP_SPEC, VERSION: 'v1.2.3\n' });
    const build = await finished(sha);
    expect(build.state).toBe('success');
    const [build1] = build.stages[0]!.steps;
    const [ship] = build.stages.find((s) => s.name === 'deploy')!.steps;
    expect([build1!.node, ship!.node]).toEqual([MANAGER_HOSTNAME, swarm.workerHostname]);
    expect(await log(build, 'ship')).toEqual(
      expect.arrayContaining([
        'app built from v1.2.3',
        `made on ${MANAGER_HOSTNAME}`,
        '4',
        `deploying on ${swarm.workerHostname}`,
      ]),
    );
    expect(await log(build, 'build')).toContain(
      `slipway: kept 3 artifact files (${22 + 4 + `made on ${MANAGER_HOSTNAME}\n`.length} bytes)`,
    );

    const listed = await api.get<{ artifacts: Array<{ path: string; size: number; step: string; url: string }> }>(
      `/builds/${build.id}/artifacts`,
    );
    expect(listed.body.artifacts.map((a) => [a.path, a.size, a.step])).toEqual([
      ['dist/app.txt', 22, 'build'],
      ['dist/bin/raw.bin', 4, 'build'],
      ['dist/node.txt', `made on ${MANAGER_HOSTNAME}\n`.length, 'build'],
    ]);
    const raw = await api.getBytes(`/builds/${build.id}/artifacts/dist/bin/raw.bin`);
    expect(raw.bytes).toEqual(Buffer.from([0, 1, 2, 255]));

    const listing = await cli(['artifacts', build.id]);
    expect({ code: listing.code, stderr: listing.stderr }).toEqual({ code: 0, stderr: '' });
    expect(listing.stdout.toString()).toMatch(/^dist\/app\.txt\s+22\s+build\s+test$/m);
    const got = await cli(['artifacts', build.id, '--get', 'dist/app.txt']);
    expect({ code: got.code, out: got.stdout.toString() }).toEqual({ code: 0, out: 'app built from v1.2.3\n' });
    const missing = await cli(['artifacts', build.id, '--get', 'dist/nothing.txt']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('404');

    // The restore's secrets and the collector's jobs went with the build.
    await eventually('nothing of the build left on the swarm', async () => {
      const filters = JSON.stringify({ label: [`${LABEL.build}=${build.id}`] });
      const left = [...(await docker.listServices({ filters })), ...(await docker.listSecrets({ filters }))];
      return left.length === 0 ? true : undefined;
    });
  }, 200_000);

  it('shows a failing JUnit test with its message on the API, the build page and the check run', async () => {
    const sha = await push('feature', { '.buildspec.yml': FAILING_SPEC, 'junit.xml': JUNIT });
    const build = await finished(sha);
    expect(build.state).toBe('failure');

    const answer = await api.get<BuildRecord>(`/builds/${build.id}`);
    const unit = answer.body.stages[0]!.steps[0]!;
    expect(unit.tests?.counts).toEqual({ total: 3, passed: 2, failed: 1, errored: 0, skipped: 0 });
    expect(unit.tests?.failures).toEqual([
      expect.objectContaining({
        name: 'applies the discount',
        message: 'expected 90 to equal 81',
        file: 'src/cart.test.js',
        line: 14,
      }),
    ]);

    const page = await fetch(`${slipway.url}/builds/${build.id}`, {
      headers: { accept: 'text/html', authorization: `Bearer ${TOKEN}` },
    });
    const html = await page.text();
    expect(html).toContain('3 tests: 2 passed, 1 failed');
    expect(html).toContain('<strong>cart › applies the discount</strong>');
    expect(html).toContain('expected 90 to equal 81');
    expect(html).toContain('<code>src/cart.test.js:14</code>');

    const run = await eventually(
      'the test check run to complete',
      () =>
        standIn
          .checkRuns(REPO.owner, REPO.repo, sha)
          .find((c) => c.name === 'slipway/test' && c.status === 'completed'),
      60_000,
    );
    expect(run.conclusion).toBe('failure');
    expect(run.output.summary).toContain('3 tests: 2 passed, 1 failed.');
    expect(run.output.summary).toContain('**cart › applies the discount**');
    expect(run.output.summary).toContain('expected 90 to equal 81');
    // The failed test where its report says, and what the step wrote to $SLIPWAY_ANNOTATIONS.
    expect(run.annotations).toEqual([
      expect.objectContaining({
        path: 'src/cart.test.js',
        start_line: 14,
        annotation_level: 'failure',
        message: 'expected 90 to equal 81',
      }),
      expect.objectContaining({ path: 'src/cart.js', start_line: 3, start_column: 7, annotation_level: 'warning' }),
    ]);
  }, 200_000);
});
