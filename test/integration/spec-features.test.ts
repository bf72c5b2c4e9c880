import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { projectRoot } from '../../services/shared/project-root.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { createdServices } from '../support/docker-events.js';
import { GitHubStandIn } from '../support/github-stand-in.js';
import {
  eventually,
  freshRedisUrl,
  startSlipway,
  WEBHOOK_SECRET,
  type RunningSlipway,
} from '../support/slipway-harness.js';
import { pullRequestPayload, pushPayload, signedHeaders } from '../support/webhook-payloads.js';

const OWNER = 'acme';
const REPO = 'features';
const docker = new Docker();

/** Spec features end to end: webhook → planner → executor on the swarm → statuses on the stand-in. */
describe('.buildspec.yml features on the real swarm', () => {
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  let n = 0;

  beforeAll(async () => {
    const redisUrl = await freshRedisUrl(7);
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    await standIn.createRepo(OWNER, REPO);
    const secrets = join(tmpdir(), `slipway-secrets-${process.pid}.json`);
    writeFileSync(secrets, JSON.stringify({ 'deploy-token': 'tok-3141592653' }));
    slipway = await startSlipway({
      standIn,
      redisUrl,
      env: {
        SLIPWAY_SECRETS_FILE: secrets,
        SLIPWAY_API_TOKEN: 'features-token',
        SLIPWAY_GIT_BASE_URL: 'https://github.com/',
      },
    });
  });

  afterAll(async () => {
    await slipway?.close();
    await standIn?.stop();
  });

  async function deliver(event: string, payload: unknown): Promise<{ build: string }> {
    const body = JSON.stringify(payload);
    const res = await fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders(event, body, WEBHOOK_SECRET, `features-${++n}`),
      body,
    });
    expect(res.status).toBe(202);
    return (await res.json()) as { build: string };
  }
  const push = async (branch: string, spec: string, forced = false) => {
    const sha = await standIn.commit(OWNER, REPO, branch, { '.buildspec.yml': spec, 'n.txt': String(n) });
    const { build } = await deliver(
      'push',
      pushPayload({
        owner: OWNER,
        repo: REPO,
        cloneUrl: `https://github.com/${OWNER}/${REPO}.git`,
        branch,
        before: '1'.repeat(40),
        after: sha,
        forced,
      }),
    );
    return { sha, build };
  };
  const final = (sha: string, context: string) =>
    eventually(
      `a final ${context}`,
      () => {
        const s = standIn.latestStatus(OWNER, REPO, sha, context);
        return s && s.state !== 'pending' ? s : undefined;
      },
      120_000,
    );

  it('runs a 2×3 matrix with one exclusion as 5 Swarm services with readable names, in parallel', async () => {
    const since = Math.floor(Date.now() / 1000);
    const spec = `test:
  - name: unit
    image: slipway/busybox:1
    matrix:
      axes:
        node: [18, 20]
        db: [pg, mysql, sqlite]
      exclude:
        - {node: 18, db: sqlite}
    commands:
      - echo "node $MATRIX_NODE with $MATRIX_DB"
      - sleep 2
`;
    const { sha, build } = await push('matrix', spec);
    expect(await final(sha, 'slipway/test')).toMatchObject({
      state: 'success',
      description: expect.stringMatching(/^5 steps passed in /),
    });
    const record = (await slipway.builds.get(build))!;
    const steps = record.stages[0]!.steps;
    expect(steps.map((s) => s.name)).toEqual([
      'unit (node: 18, db: pg)',
      'unit (node: 18, db: mysql)',
      'unit (node: 20, db: pg)',
      'unit (node: 20, db: mysql)',
      'unit (node: 20, db: sqlite)',
    ]);
    expect((await createdServices(docker, since)).filter((s) => s.startsWith(`slw-${build}-unit`)).sort()).toEqual(
      steps.map((s) => s.service).sort(),
    );
    // In parallel: every step started before any finished.
    const lastStart = Math.max(...steps.map((s) => Date.parse(s.startedAt!)));
    const firstEnd = Math.min(...steps.map((s) => Date.parse(s.finishedAt!)));
    expect(lastStart).toBeLessThan(firstEnd);
  });

  it('lets an e2e step reach its sidecar database by name', async () => {
    const spec = `e2e:
  services:
    - name: db
      image: slipway/redis:1
      ready:
        command: printf 'PING\\r\\nQUIT\\r\\n' | nc 127.0.0.1 6379 | grep -q PONG
        interval: 1s
        timeout: 30s
  steps:
    - name: store and read
      image: slipway/busybox:1
      commands:
        - printf 'SET answer 42\\r\\nGET answer\\r\\nQUIT\\r\\n' | nc db 6379 | grep 42
`;
    const { sha } = await push('sidecar', spec);
    expect(await final(sha, 'slipway/e2e')).toMatchObject({ state: 'success' });
  });

  it('never lets two builds hold the same lock at once: the second waits, and its status says so', async () => {
    const spec = (who: string) => `locks:
  board: {}
test:
  - name: flash ${who}
    image: slipway/busybox:1
    lock: board
    commands: [echo "${who} holds the board", sleep 3]
`;
    const first = await push('lock-a', spec('a'));
    await eventually(
      'the first build to run',
      () =>
        standIn.latestStatus(OWNER, REPO, first.sha, 'slipway/test')?.description === 'Running' ? true : undefined,
      60_000,
    );
    const second = await push('lock-b', spec('b'));
    await final(first.sha, 'slipway/test');
    await final(second.sha, 'slipway/test');
    const descriptions = standIn.statuses(OWNER, REPO, second.sha).map((s) => s.description);
    expect(descriptions).toContain(`Waiting: for lock "board", held by ${first.build}`);
    const a = (await slipway.builds.get(first.build))!.stages[0]!.steps[0]!;
    const b = (await slipway.builds.get(second.build))!.stages[0]!.steps[0]!;
    expect(Date.parse(b.startedAt!)).toBeGreaterThanOrEqual(Date.parse(a.finishedAt!));
  });

  it('tests a forced push to master but does not deploy it, and says why', async () => {
    const spec = `test:
  - {name: unit, image: slipway/busybox:1, commands: ["true"]}
deploy:
  environments:
    staging:
      branch: master
      steps:
        - {name: ship, image: slipway/busybox:1, commands: [echo shipped]}
`;
    const { sha, build } = await push('master', spec, true);
    expect(await final(sha, 'slipway/test')).toMatchObject({ state: 'success' });
    expect(standIn.latestStatus(OWNER, REPO, sha, 'slipway/deploy/staging')).toMatchObject({
      state: 'failure',
      description: 'Not deployed: a forced push is not a fast-forward: tested, not deployed',
    });
    expect((await slipway.builds.get(build))!.stages.map((s) => s.name)).toEqual(['test']);
  });

  it('deploys a fast-forward push to master to staging as a GitHub deployment with statuses', async () => {
    const spec = `test:
  - {name: unit, image: slipway/busybox:1, commands: ["true"]}
deploy:
  environments:
    staging:
      branch: master
      url: https://staging.example.com
      steps:
        - {name: ship, image: slipway/busybox:1, commands: [echo "to $SLIPWAY_ENVIRONMENT"]}
`;
    const { sha, build } = await push('master', spec);
    expect(await final(sha, 'slipway/deploy/staging')).toMatchObject({ state: 'success' });
    const deployment = await eventually(
      'the deployment to succeed',
      () => {
        const d = standIn.deployments(OWNER, REPO).find((x) => x.sha === sha);
        return d?.statuses.at(-1)?.state === 'success' ? d : undefined;
      },
      30_000,
    );
    expect(deployment).toMatchObject({
      environment: 'staging',
      auto_merge: false,
      required_contexts: [],
      production_environment: false,
    });
    expect(deployment.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(deployment.statuses[1]).toMatchObject({
      environment_url: 'https://staging.example.com',
      log_url: `${slipway.config.publicUrl}/builds/${build}/steps/ship/log`,
    });
    expect(standIn.violations).toEqual([]);
  });

  it(
    'shows slipway/staging-verified success ' +
      'on a PR into production ' +
      'only for a commit ' +
      'that passed staging',
    async () => {
      const spec = `test:
  - {name: unit, image: slipway/busybox:1, commands: ["true"]}
deploy:
  environments:
    staging:
      branch: master
      steps:
        - {name: ship, image: slipway/busybox:1, commands: [echo staged]}
    production:
      branch: production
      approval: {users: [octocat]}
      steps:
        - {name: ship, image: slipway/busybox:1, commands: [echo live]}
`;
      const pullRequest = (number: number, sha: string) => {
        return deliver(
          'pull_request',
          pullRequestPayload({ owner: OWNER, repo: REPO, number, headSha: sha, baseRef: 'production' }),
        );
      };
      const verified = (sha: string) => standIn.latestStatus(OWNER, REPO, sha, 'slipway/staging-verified');

      const staged = await push('master', spec);
      expect(await final(staged.sha, 'slipway/deploy/staging')).toMatchObject({ state: 'success' });
      await pullRequest(30, staged.sha);
      expect(await eventually('staging-verified', () => verified(staged.sha), 30_000)).toMatchObject({
        state: 'success',
        description: `Passed e2e and deployed to staging in build ${staged.build}`,
      });

      const unstaged = await standIn.commit(OWNER, REPO, 'hotfix', { '.buildspec.yml': spec, 'hotfix.txt': 'x' });
      await pullRequest(31, unstaged);
      expect(await eventually('staging-verified', () => verified(unstaged), 30_000)).toMatchObject({
        state: 'pending',
        description: 'Not yet deployed to staging: merge into master first',
      });
      await final(unstaged, 'slipway/test');
      expect(verified(unstaged)?.state).toBe('pending');
    },
  );

  it('shows slipway/up-to-date on a PR, and refreshes it when the base branch moves', async () => {
    const spec = 'test:\n  - {name: unit, image: slipway/busybox:1, commands: ["true"]}\n';
    const base = await standIn.commit(OWNER, REPO, 'trunk', { '.buildspec.yml': spec });
    const head = await standIn.commit(OWNER, REPO, 'topic', { 'feature.txt': 'x' }, 'feature', base);
    standIn.addPullRequest(OWNER, REPO, {
      number: 40,
      headSha: head,
      headRef: 'topic',
      baseRef: 'trunk',
      user: 'octocat',
    });
    await deliver(
      'pull_request',
      pullRequestPayload({ owner: OWNER, repo: REPO, number: 40, headSha: head, baseRef: 'trunk' }),
    );
    const upToDate = () => standIn.latestStatus(OWNER, REPO, head, 'slipway/up-to-date');
    expect(await eventually('up-to-date', upToDate, 30_000)).toMatchObject({
      state: 'success',
      description: 'trunk is in this branch: it can be merged as a fast-forward',
    });

    await push('trunk', spec + '# moved\n');
    expect(
      await eventually(
        'up-to-date to turn red',
        () => (upToDate()?.state === 'failure' ? upToDate() : undefined),
        30_000,
      ),
    ).toMatchObject({
      description: 'trunk has 1 commit this branch lacks: rebase it on trunk to merge as a fast-forward',
    });
  });

  it('starts a manual run with parameters from the CLI, passing them to the steps as env', async () => {
    const sha = await standIn.commit(OWNER, REPO, 'manual', {
      '.buildspec.yml': 'test:\n  - {name: greet, image: slipway/busybox:1, commands: [echo "greeting=$GREETING"]}\n',
    });
    const cli = join(projectRoot(), 'dist', 'services', 'cli', 'slipway.js');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      // A branch name is enough: Slipway resolves it to the branch's head.
      [cli, 'trigger', `${OWNER}/${REPO}`, 'manual', '--param', 'GREETING=hello there', '--json'],
      {
        env: { ...process.env, SLIPWAY_URL: slipway.url, SLIPWAY_API_TOKEN: 'features-token' },
      },
    );
    const { build } = JSON.parse(stdout) as { build: string };
    expect(await final(sha, 'slipway/test')).toMatchObject({ state: 'success' });
    expect((await slipway.logs.read(build, 'greet')).map((l) => l.text)).toContain('greeting=hello there');
    expect((await slipway.builds.get(build))?.request).toMatchObject({
      event: 'manual',
      // Who asked is who the token names: here the operator's.
      sender: 'operator',
      ref: 'refs/heads/manual',
    });
  });

  it('runs a pull request from a fork only once a maintainer approves, and then without secrets', async () => {
    const spec = `test:
  - name: read token
    image: slipway/busybox:1
    secrets: [deploy-token]
    commands: [echo "token is $DEPLOY_TOKEN"]
`;
    standIn.setPermission(OWNER, REPO, 'maintainer1', 'maintain');
    const sha = await standIn.commit(OWNER, REPO, 'fork-branch', { '.buildspec.yml': spec });
    const { build } = await deliver(
      'pull_request',
      pullRequestPayload({ owner: OWNER, repo: REPO, headSha: sha, baseRef: 'master', headRepo: 'mallory/features' }),
    );
    const waiting = await eventually(
      'the fork to wait',
      () => standIn.latestStatus(OWNER, REPO, sha, 'slipway/test'),
      30_000,
    );
    expect(waiting).toMatchObject({
      state: 'pending',
      description: expect.stringMatching(
        new RegExp(
          '^Waiting: a pull request from a fork runs once a maintainer approves it: ' +
            'for approval by anyone with maintain permission',
        ),
      ),
    });
    expect((await slipway.builds.get(build))?.state).toBe('waiting');

    const approve = await fetch(`${slipway.url}/builds/${build}/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await slipway.personalToken('maintainer1', ['approve'])}` },
      body: JSON.stringify({}),
    });
    expect(approve.status).toBe(202);
    const status = await final(sha, 'slipway/test');
    expect(status).toMatchObject({
      state: 'error',
      description: expect.stringContaining('secret "deploy-token" is not provided to this build'),
    });
    expect(JSON.stringify(await slipway.builds.get(build))).not.toContain('tok-3141592653');
  });
});
