import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { isFinal } from '../../services/core/builds/types.js';
import { projectRoot } from '../../services/shared/project-root.js';
import { watchSwarmEvents, type SwarmEventLog } from '../support/docker-events.js';
import { GitHubStandIn } from '../support/github-stand-in.js';
import {
  eventually,
  freshRedisUrl,
  startSlipway,
  WEBHOOK_SECRET,
  type RunningSlipway,
} from '../support/slipway-harness.js';
import { random } from '../support/seeded-random.js';
import { pushPayload, signedHeaders } from '../support/webhook-payloads.js';

const OWNER = 'acme';
const REPO = 'killed';
const BUILDS = 20;
/**
 * SIGKILLs at most, each at a seeded moment 0.5–4 s after the executor (re)started: no more than
 * the 5 stalls BullMQ allows a build job (`maxStalledCount`), past which the build would fail.
 */
const KILLS = 5;
const SEED = Number(process.env.SLIPWAY_FAULT_SEED ?? 1414);
const docker = new Docker();

/** Branch `b<i>` deploys to its own environment `env<i>`, so the 20 deploys need not wait on each other. */
function spec(i: number): string {
  return `test:
  - {name: unit, image: slipway/busybox:1, commands: ["echo tested ${i}"]}
deploy:
  environments:
    env${i}:
      branch: b${i}
      steps:
        - {name: ship, image: slipway/busybox:1, commands: ["echo shipped ${i}"]}
`;
}

/**
 * The executor, a separate process run from dist/, SIGKILLed at seeded random moments while
 * 20 builds (test, then a deploy each) run in parallel, and started again each time: every
 * build ends, no step's command ran twice, no deployment was made twice, and nothing of the
 * builds is left on the engine. SLIPWAY_FAULT_SEED replays another run.
 */
describe('the executor SIGKILLed at random moments during 20 builds', () => {
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  let redisUrl: string;
  let executor: ChildProcess | undefined;
  let events: SwarmEventLog | undefined;

  beforeAll(async () => {
    redisUrl = await freshRedisUrl(0);
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    await standIn.createRepo(OWNER, REPO);
    slipway = await startSlipway({
      standIn,
      redisUrl,
      executor: false,
      env: { SLIPWAY_GITHUB_WRITE_GAP_MS: '0' },
    });
  });

  afterAll(async () => {
    events?.stop();
    executor?.kill('SIGKILL');
    await slipway?.close();
    await standIn?.stop();
  });

  it('ends every build, runs each step and deploy once, and leaves nothing behind', async () => {
    const cli = join(projectRoot(), 'dist', 'services', 'cli', 'slipway.js');
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (scripts/test.sh does)`);
    const log = process.env.SLIPWAY_TEST_LOG === '1' ? join(tmpdir(), `slipway-executor-kill-${SEED}.log`) : undefined;
    const env = {
      ...process.env,
      SLIPWAY_REDIS_URL: redisUrl,
      SLIPWAY_GITHUB_API_URL: standIn.apiUrl,
      SLIPWAY_PUBLIC_URL: slipway.config.publicUrl,
      // A dead executor's build jobs are taken again 3 s after their lock was last renewed.
      SLIPWAY_BUILD_LOCK_MS: '3000',
      SLIPWAY_EXECUTOR_CONCURRENCY: String(BUILDS),
      SLIPWAY_SCHEDULING_TIMEOUT_MS: '30000',
      SLIPWAY_GITHUB_TOKEN: slipway.config.githubToken,
      SLIPWAY_INSTANCE: slipway.config.instance,
      SLIPWAY_LOG: log ? '' : 'silent',
    };
    const start = (): ChildProcess => {
      const child = spawn(process.execPath, [cli, 'executor'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      if (log) {
        const out = createWriteStream(log, { flags: 'a' });
        child.stdout?.pipe(out);
        child.stderr?.pipe(out);
      } else {
        child.stdout?.resume();
        child.stderr?.resume();
      }
      return child;
    };
    const exited = (child: ChildProcess) =>
      new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));

    events = await watchSwarmEvents(docker);
    const began = Date.now();
    executor = start();
    const builds: Array<{ sha: string; build: string; environment: string }> = [];
    for (let i = 0; i < BUILDS; i++) {
      const sha = await standIn.commit(OWNER, REPO, `b${i}`, { '.buildspec.yml': spec(i) });
      const body = JSON.stringify(
        pushPayload({
          owner: OWNER,
          repo: REPO,
          cloneUrl: `https://github.com/${OWNER}/${REPO}.git`,
          branch: `b${i}`,
          before: '1'.repeat(40),
          after: sha,
        }),
      );
      const res = await fetch(`${slipway.url}/webhooks`, {
        method: 'POST',
        // A new delivery id each run: build ids (and so Swarm names) follow from it, and two runs
        // on one engine must never share a build's volume.
        headers: signedHeaders('push', body, WEBHOOK_SECRET, randomUUID()),
        body,
      });
      expect(res.status).toBe(202);
      builds.push({ sha, build: ((await res.json()) as { build: string }).build, environment: `env${i}` });
    }

    const allFinal = async () => {
      for (const b of builds) {
        const record = await slipway.builds.get(b.build);
        if (!record || !isFinal(record.state)) return false;
      }
      return true;
    };
    const next = random(SEED);
    const moments: number[] = [];
    for (let kill = 0; kill < KILLS && !(await allFinal()); kill++) {
      const afterMs = Math.round(500 + next() * 3_500);
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      const child = executor;
      child.kill('SIGKILL');
      await exited(child);
      moments.push(afterMs);
      executor = start();
    }

    const records = await eventually(
      'every build to end',
      async () => {
        const all = await Promise.all(builds.map(async (b) => slipway.builds.get(b.build)));
        return all.every((r) => r && isFinal(r.state)) ? all : undefined;
      },
      150_000,
    );
    const endedMs = Date.now() - began;
    // A build that did not succeed says why, step by step, in the failure.
    const why = (r: NonNullable<(typeof records)[number]>) =>
      r.state === 'success'
        ? 'success'
        : [r.checkout, ...r.stages.flatMap((s) => s.steps)]
            .map((st) => `${st?.key} ${st?.state} ${st?.reason ?? ''}`)
            .join('; ');
    expect(records.map((r) => why(r!))).toEqual(builds.map(() => 'success'));
    for (const b of builds) {
      const final = await eventually(
        `the final statuses of ${b.build}`,
        () => {
          const test = standIn.latestStatus(OWNER, REPO, b.sha, 'slipway/test');
          const deploy = standIn.latestStatus(OWNER, REPO, b.sha, `slipway/deploy/${b.environment}`);
          const ended = test && test.state !== 'pending' && deploy && deploy.state !== 'pending';
          return ended ? [test.state, deploy.state] : undefined;
        },
        60_000,
      );
      expect(final).toEqual(['success', 'success']);
    }

    // No step twice: one service per step (its first attempt), and its task's container started once.
    const services = events.createdServices;
    const started = events.startedTaskContainers;
    for (const b of builds) {
      const mine = services.filter((n) => n.startsWith(`slw-${b.build}-`));
      expect(mine.filter((n) => n.startsWith(`slw-${b.build}-unit-`))).toEqual([`slw-${b.build}-unit-1`]);
      expect(mine.filter((n) => n.startsWith(`slw-${b.build}-ship-`))).toEqual([`slw-${b.build}-ship-1`]);
      expect(new Set(mine).size).toBe(mine.length);
      const runs = started.filter((n) => n.startsWith(`slw-${b.build}-`));
      expect(runs.filter((n) => n === `slw-${b.build}-unit-1`)).toHaveLength(1);
      expect(runs.filter((n) => n === `slw-${b.build}-ship-1`)).toHaveLength(1);
    }

    // No deploy twice: one GitHub deployment per environment, ending in success.
    const deployments = await eventually(
      'every deployment to end',
      () => {
        const all = standIn.deployments(OWNER, REPO);
        return all.length >= BUILDS && all.every((d) => d.statuses.at(-1)?.state === 'success') ? all : undefined;
      },
      60_000,
    );
    expect(deployments.map((d) => d.environment).sort()).toEqual(builds.map((b) => b.environment).sort());
    for (const b of builds) expect(deployments.find((d) => d.environment === b.environment)?.sha).toBe(b.sha);

    // Nothing of these builds remains: services, containers, networks, volumes, secrets.
    await eventually(
      'nothing of the builds to remain',
      async () => {
        for (const b of builds) {
          const filters = JSON.stringify({ label: [`slipway.build=${b.build}`] });
          const left =
            (await docker.listServices({ filters })).length +
            (await docker.listContainers({ all: true, filters })).length +
            (await docker.listNetworks({ filters })).length +
            ((await docker.listVolumes({ filters })).Volumes ?? []).length +
            (await docker.listSecrets({ filters })).length;
          if (left > 0) return undefined;
        }
        return true;
      },
      60_000,
    );
    expect(standIn.violations).toEqual([]);
    const ours = services.filter((n) => builds.some((b) => n.startsWith(`slw-${b.build}-`)));
    console.info(
      `executor SIGKILL (seed ${SEED}): ${moments.length} kills, after ${moments.join(', ')} ms of each run; ` +
        `${BUILDS} builds green ${endedMs} ms after the first push; ${ours.length} services, none twice`,
    );
  }, 300_000);
});
