import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { projectRoot } from '../../services/shared/project-root.js';
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
const REPO = 'live';
const API_TOKEN = 'test-api-token';
const docker = new Docker();

describe('live logs, cancellation, supersession and an executor killed mid-step', () => {
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  let redisUrl: string;
  let deliveries = 0;

  beforeAll(async () => {
    redisUrl = await freshRedisUrl(5);
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    await standIn.createRepo(OWNER, REPO);
  });

  afterAll(async () => {
    await slipway?.close();
    await standIn?.stop();
  });

  async function push(branch: string, spec: string): Promise<{ sha: string; build: string }> {
    const sha = await standIn.commit(OWNER, REPO, branch, { '.buildspec.yml': spec, 'n.txt': String(deliveries) });
    const body = JSON.stringify(
      pushPayload({
        owner: OWNER,
        repo: REPO,
        cloneUrl: `https://github.com/${OWNER}/${REPO}.git`,
        branch,
        before: '0'.repeat(40),
        after: sha,
      }),
    );
    const res = await fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders('push', body, WEBHOOK_SECRET, `live-${++deliveries}`),
      body,
    });
    expect(res.status).toBe(202);
    return { sha, build: ((await res.json()) as { build: string }).build };
  }

  const finalStatus = (sha: string, context: string) =>
    eventually(
      `a final ${context}`,
      () => {
        const s = standIn.latestStatus(OWNER, REPO, sha, context);
        return s && s.state !== 'pending' ? s : undefined;
      },
      90_000,
    );

  describe('with the executor in this process', () => {
    beforeAll(async () => {
      slipway = await startSlipway({ standIn, redisUrl, env: { SLIPWAY_API_TOKEN: API_TOKEN } });
    });
    afterAll(async () => {
      await slipway.close();
    });

    it('streams each line of a running step as Server-Sent Events, then ends', async () => {
      const { build } = await push(
        'live-logs',
        'test:\n' +
          '  - name: ticker\n' +
          '    image: slipway/busybox:1\n' +
          '    commands:\n' +
          '      - for i in $(seq 1 30); do echo "tick $i"; sleep 0.1; done\n',
      );
      await eventually(
        'the build to be planned',
        async () => ((await fetch(`${slipway.url}/builds/${build}`)).ok ? true : undefined),
        30_000,
      );
      const res = await fetch(`${slipway.url}/builds/${build}/steps/ticker/log/stream`);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const arrivals: Array<{ at: number; text?: string; end?: boolean }> = [];
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (event.startsWith('event: end')) arrivals.push({ at: Date.now(), end: true });
          else if (event.includes('data: '))
            arrivals.push({ at: Date.now(), text: (JSON.parse(event.split('data: ')[1]!) as { text: string }).text });
        }
      }
      const ticks = arrivals.filter((a) => a.text?.startsWith('tick '));
      expect(ticks.map((t) => t.text)).toEqual(Array.from({ length: 30 }, (_, i) => `tick ${i + 1}`));
      expect(arrivals.at(-1)?.end).toBe(true);
      // Live, not at the end: the first tick arrived while the step still had most of its 3 s to go.
      expect(arrivals.at(-1)!.at - ticks[0]!.at).toBeGreaterThan(1_500);
    });

    it('cancels a build through the API (with the token only), and its statuses say so', async () => {
      const { sha, build } = await push(
        'cancel-me',
        'test:\n' +
          '  - name: long\n' +
          '    image: slipway/busybox:1\n' +
          '    commands: [echo started, sleep 120]\n' +
          'deploy:\n' +
          '  - name: ship\n' +
          '    image: slipway/busybox:1\n' +
          '    commands: ["true"]\n',
      );
      await eventually(
        'the step to start',
        async () =>
          (await slipway.logs.read(build, 'long')).some((l) => !l.text.startsWith('[slipway]')) ? true : undefined,
        60_000,
      );
      expect((await fetch(`${slipway.url}/builds/${build}/cancel`, { method: 'POST' })).status).toBe(401);
      const res = await fetch(`${slipway.url}/builds/${build}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_TOKEN}` },
      });
      expect(res.status).toBe(202);
      expect(await finalStatus(sha, 'slipway/test')).toMatchObject({
        state: 'error',
        description: 'Cancelled: cancelled by operator through the API',
      });
      expect(await finalStatus(sha, 'slipway/deploy')).toMatchObject({
        state: 'error',
        description: 'Cancelled: cancelled by operator through the API',
      });
      await eventually(
        'the build to end cancelled',
        async () => ((await slipway.builds.get(build))?.state === 'cancelled' ? true : undefined),
        30_000,
      );
    });

    it('supersedes the build of a pull request when it is pushed to (synchronize)', async () => {
      const slow =
        'test:\n' +
        '  - name: slow\n' +
        '    image: slipway/busybox:1\n' +
        '    commands: [echo started, sleep 120]\n' +
        'e2e:\n' +
        '  - name: after\n' +
        '    image: slipway/busybox:1\n' +
        '    commands: ["true"]\n';
      const pr = async (action: string, sha: string) => {
        const body = JSON.stringify(
          pullRequestPayload({ owner: OWNER, repo: REPO, action, number: 77, headSha: sha, baseRef: 'master' }),
        );
        const res = await fetch(`${slipway.url}/webhooks`, {
          method: 'POST',
          headers: signedHeaders('pull_request', body, WEBHOOK_SECRET, `live-${++deliveries}`),
          body,
        });
        return ((await res.json()) as { build: string }).build;
      };
      const first = await standIn.commit(OWNER, REPO, 'pr-77', { '.buildspec.yml': slow });
      const firstBuild = await pr('opened', first);
      await eventually(
        'the first build to start',
        async () =>
          (await slipway.logs.read(firstBuild, 'slow')).some((l) => !l.text.startsWith('[slipway]')) ? true : undefined,
        60_000,
      );
      const second = await standIn.commit(OWNER, REPO, 'pr-77', {
        '.buildspec.yml': 'test:\n  - {name: quick, image: slipway/busybox:1, commands: ["true"]}\n',
      });
      await pr('synchronize', second);
      for (const context of ['slipway/test', 'slipway/e2e']) {
        expect(await finalStatus(first, context)).toMatchObject({
          state: 'success',
          description: `Not run to the end: superseded by ${second.slice(0, 7)}`,
        });
      }
      expect(await finalStatus(second, 'slipway/test')).toMatchObject({ state: 'success' });
    });

    it('cancels the build of a pull request that is closed', async () => {
      const slow = 'test:\n  - name: slow\n    image: slipway/busybox:1\n    commands: [echo started, sleep 120]\n';
      const sha = await standIn.commit(OWNER, REPO, 'pr-78', { '.buildspec.yml': slow });
      const deliver = async (action: string) => {
        const body = JSON.stringify(
          pullRequestPayload({ owner: OWNER, repo: REPO, action, number: 78, headSha: sha, baseRef: 'master' }),
        );
        return fetch(`${slipway.url}/webhooks`, {
          method: 'POST',
          headers: signedHeaders('pull_request', body, WEBHOOK_SECRET, `live-${++deliveries}`),
          body,
        });
      };
      const { build } = (await (await deliver('opened')).json()) as { build: string };
      await eventually(
        'the build to start',
        async () =>
          (await slipway.logs.read(build, 'slow')).some((l) => !l.text.startsWith('[slipway]')) ? true : undefined,
        60_000,
      );
      const closed = await deliver('closed');
      expect(await closed.json()).toEqual({ cancelled: build, reason: 'pull request #78 was closed' });
      expect(await finalStatus(sha, 'slipway/test')).toMatchObject({
        state: 'error',
        description: 'Cancelled: pull request #78 was closed',
      });
    });

    it('supersedes the older build of a branch when a newer commit is pushed', async () => {
      const slow = 'test:\n  - name: slow\n    image: slipway/busybox:1\n    commands: [echo started, sleep 120]\n';
      const older = await push('feature', slow);
      await eventually(
        'the older build to start',
        async () =>
          (await slipway.logs.read(older.build, 'slow')).some((l) => !l.text.startsWith('[slipway]'))
            ? true
            : undefined,
        60_000,
      );
      const newer = await push(
        'feature',
        'test:\n  - name: quick\n    image: slipway/busybox:1\n    commands: ["true"]\n',
      );
      expect(await finalStatus(older.sha, 'slipway/test')).toMatchObject({
        state: 'success',
        description: `Not run to the end: superseded by ${newer.sha.slice(0, 7)}`,
      });
      expect(await finalStatus(newer.sha, 'slipway/test')).toMatchObject({ state: 'success' });
    });
  });

  it('finishes a build whose executor was killed with SIGKILL mid-step, running the step once', async () => {
    const cli = join(projectRoot(), 'dist', 'services', 'cli', 'slipway.js');
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (scripts/test.sh does)`);
    slipway = await startSlipway({ standIn, redisUrl, executor: false });
    const env = {
      ...process.env,
      SLIPWAY_REDIS_URL: redisUrl,
      SLIPWAY_PUBLIC_URL: slipway.config.publicUrl,
      SLIPWAY_BUILD_LOCK_MS: '3000',
      // The checkout clones with the token the planner planned for.
      SLIPWAY_GITHUB_TOKEN: slipway.config.githubToken,
      SLIPWAY_INSTANCE: slipway.config.instance,
      SLIPWAY_LOG: 'silent',
    };
    const executor = (): ChildProcess => spawn(process.execPath, [cli, 'executor'], { env, stdio: 'ignore' });
    const since = Math.floor(Date.now() / 1000);
    const first = executor();
    let second: ChildProcess | undefined;
    try {
      const { sha, build } = await push(
        'recovery',
        'test:\n' +
          '  - name: survivor\n' +
          '    image: slipway/busybox:1\n' +
          '    commands:\n' +
          '      - echo begin\n' +
          '      - sleep 6\n' +
          '      - echo done\n',
      );
      await eventually(
        'the step to start',
        async () =>
          (await slipway.logs.read(build, 'survivor')).some((l) => !l.text.startsWith('[slipway]')) ? true : undefined,
        60_000,
      );
      first.kill('SIGKILL');
      second = executor();
      expect(await finalStatus(sha, 'slipway/test')).toMatchObject({ state: 'success' });
      const created = (await createdServices(docker, since)).filter((n) => n.startsWith(`slw-${build}-survivor`));
      expect(created).toEqual([`slw-${build}-survivor-1`]);
      // The log begins with how to run the step locally, once though the second executor re-attached.
      const survivor = (await slipway.logs.read(build, 'survivor')).map((l) => l.text);
      expect(survivor[0]).toMatch(/^\[slipway\] to run this step on your machine .*image slipway\/busybox:1/);
      expect(survivor[1]).toBe(
        `[slipway]   git clone https://github.com/${OWNER}/${REPO}.git ${REPO} && cd ${REPO} && git checkout -q ${sha} && npx slipway run --step survivor`,
      );
      expect(survivor.slice(2)).toEqual(['$ echo begin', 'begin', '$ sleep 6', '$ echo done', 'done']);
      const filters = JSON.stringify({ label: [`slipway.build=${build}`] });
      await eventually(
        'nothing of the build to remain',
        async () =>
          (await docker.listServices({ filters })).length +
            (await docker.listNetworks({ filters })).length +
            ((await docker.listVolumes({ filters })).Volumes ?? []).length ===
          0
            ? true
            : undefined,
        30_000,
      );
    } finally {
      first.kill('SIGKILL');
      second?.kill('SIGTERM');
    }
  });
});
