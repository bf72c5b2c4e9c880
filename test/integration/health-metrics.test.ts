import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { StatusAnswer } from '../../services/receiver/api-v1/status-route.js';
import { runSlipway } from '../support/run-slipway.js';
import { GitHubStandIn } from '../support/github-stand-in.js';
import {
  eventually,
  freePort,
  freshRedisUrl,
  startSlipway,
  WEBHOOK_SECRET,
  type RunningSlipway,
} from '../support/slipway-harness.js';
import { pushPayload, signedHeaders } from '../support/webhook-payloads.js';

const OWNER = 'acme';
const REPO = 'gauges';
const SPEC = `version: 1
test:
  - name: unit
    image: slipway/busybox:1
    commands: [echo "unit ok"]
  - name: lint
    image: slipway/busybox:1
    commands:
      - echo "lint fails"
      - exit 2
`;

/** The value of one sample in Prometheus text, or undefined when it is not there. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    if (wanted.every((w) => (match[2] ?? '').split(',').includes(w))) return Number(match[3]);
  }
  return undefined;
}

const metricsOf = async (base: string) => (await fetch(`${base}/metrics`)).text();

describe('/metrics after a build on the swarm', () => {
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  let healthPort: number;
  let sha: string;

  beforeAll(async () => {
    const redisUrl = await freshRedisUrl(15);
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    await standIn.createRepo(OWNER, REPO);
    sha = await standIn.commit(OWNER, REPO, 'main', { '.buildspec.yml': SPEC });
    healthPort = await freePort();
    slipway = await startSlipway({ standIn, redisUrl, env: { SLIPWAY_HEALTH_PORT: String(healthPort) } });
  });

  afterAll(async () => {
    await slipway?.close();
    await standIn?.stop();
  });

  it('shows the build that just ran in the duration histograms, and the queue gauges', async () => {
    const before = await metricsOf(slipway.url);
    const failedBuilds = sample(before, 'slipway_build_duration_seconds_count', { outcome: 'failure' }) ?? 0;
    const body = JSON.stringify(
      pushPayload({
        owner: OWNER,
        repo: REPO,
        cloneUrl: `https://github.com/${OWNER}/${REPO}.git`,
        branch: 'main',
        before: '0'.repeat(40),
        after: sha,
      }),
    );
    const res = await fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders('push', body, WEBHOOK_SECRET, 'a6e0c1f2-0b7e-4c55-9d3e-000000000015'),
      body,
    });
    expect(res.status).toBe(202);
    const { build } = (await res.json()) as { build: string };
    const record = await eventually(
      'the build to end',
      async () => {
        const b = await slipway.builds.get(build);
        return b && ['success', 'failure', 'error'].includes(b.state) ? b : undefined;
      },
      150_000,
    );
    expect(record.state).toBe('failure');

    // The receiver and the executor run in this one process here, so one /metrics shows both.
    const text = await eventually('the build in the histogram', async () => {
      const t = await metricsOf(slipway.url);
      return (sample(t, 'slipway_build_duration_seconds_count', { outcome: 'failure' }) ?? 0) > failedBuilds
        ? t
        : undefined;
    });
    expect(sample(text, 'slipway_build_duration_seconds_count', { outcome: 'failure' })).toBe(failedBuilds + 1);
    expect(sample(text, 'slipway_build_duration_seconds_bucket', { outcome: 'failure', le: '+Inf' })).toBe(
      failedBuilds + 1,
    );
    // unit passed, lint failed (and the checkout passed): each step's duration by its outcome.
    expect(sample(text, 'slipway_step_duration_seconds_count', { outcome: 'failure' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'slipway_step_duration_seconds_count', { outcome: 'success' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'slipway_steps_running')).toBe(0);
    expect(sample(text, 'slipway_webhooks_total', { event: 'push', outcome: 'accepted' })).toBeGreaterThanOrEqual(1);
    // Every queue has its gauges; the build's jobs were taken, so nothing waits on builds.
    for (const queue of ['slipway-requests', 'slipway-builds', 'slipway-statuses', 'slipway-approvals'])
      expect(text).toContain(`slipway_queue_jobs{queue="${queue.replace('slipway-', '')}",state="waiting"}`);
    expect(sample(text, 'slipway_queue_jobs', { queue: 'builds', state: 'waiting' })).toBe(0);
    expect(sample(text, 'slipway_queue_oldest_waiting_seconds', { queue: 'builds' })).toBe(0);
    expect(sample(text, 'slipway_approvals_waiting')).toBe(0);
    // The planner read the spec, the reporter posted statuses: GitHub calls, and the limit GitHub said was left.
    expect(sample(text, 'slipway_github_requests_total', { method: 'GET', outcome: '2xx' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'slipway_github_requests_total', { method: 'POST', outcome: '2xx' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'slipway_github_rate_limit_remaining', { resource: 'core' })).toBeLessThan(5_000);
    expect(
      sample(text, 'slipway_swarm_api_duration_seconds_count', { operation: 'startStep', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(3);
  });

  it('slipway logs -f follows a running step from its reproduction line on; status shows it running', async () => {
    const follow = await standIn.commit(OWNER, REPO, 'follow', {
      '.buildspec.yml':
        'test:\n  - name: slow\n    image: slipway/busybox:1\n' +
        '    commands: ["for i in 1 2 3 4 5 6; do echo tick $i; sleep 1; done"]\n',
    });
    const body = JSON.stringify(
      pushPayload({
        owner: OWNER,
        repo: REPO,
        cloneUrl: `https://github.com/${OWNER}/${REPO}.git`,
        branch: 'follow',
        before: '0'.repeat(40),
        after: follow,
      }),
    );
    const res = await fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders('push', body, WEBHOOK_SECRET, 'a6e0c1f2-0b7e-4c55-9d3e-000000000016'),
      body,
    });
    const { build } = (await res.json()) as { build: string };
    const env = { SLIPWAY_URL: slipway.url, SLIPWAY_API_TOKEN: await slipway.personalToken('maya', ['read']) };
    await eventually('the step to run', async () => {
      const b = await slipway.builds.get(build);
      return b?.stages[0]?.steps[0]?.state === 'running' ? true : undefined;
    });
    const followed = runSlipway(['logs', build, 'slow', '-f'], env);

    const status = await eventually('the executor to report the build', async () => {
      const s = await runSlipway(['status', '--json'], env);
      const answer = JSON.parse(s.stdout) as StatusAnswer;
      return answer.executors.some((e) => e.builds.includes(build)) ? answer : undefined;
    });
    expect(status.executors).toHaveLength(1);
    // The real swarm's node, as its engine reports it.
    expect(status.nodes).toEqual(
      expect.arrayContaining([expect.objectContaining({ role: 'manager', state: 'ready', availability: 'active' })]),
    );
    expect(status.queues.map((q) => q.queue)).toEqual(expect.arrayContaining(['requests', 'builds', 'statuses']));
    const table = await runSlipway(['status'], env);
    expect(table.code).toBe(0);
    // The first test's build may still be tearing down on the same executor.
    expect(table.stdout).toMatch(new RegExp(`^${status.executors[0]!.id}\\s+[12]/\\d+\\s+.*\\b${build}\\b`, 'm'));

    const { code, stdout, stderr } = await followed;
    expect({ code, stderr }).toEqual({ code: 0, stderr: '-- slow ended: success\n' });
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\[slipway\] to run this step on your machine/);
    expect(lines[1]).toContain(`git checkout -q ${follow} && npx slipway run --step slow`);
    expect(lines.filter((l) => l.startsWith('tick '))).toEqual([
      'tick 1',
      'tick 2',
      'tick 3',
      'tick 4',
      'tick 5',
      'tick 6',
    ]);
  });

  it("serves the executor's health on SLIPWAY_HEALTH_PORT: ready with Redis and the Docker API", async () => {
    const base = `http://127.0.0.1:${healthPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      ready: true,
      checks: [
        { name: 'redis', ok: true },
        { name: 'docker', ok: true },
      ],
    });
    expect(sample(await metricsOf(base), 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});

/** A redis-server of this test's own, on a port of its own, so stopping it stops nobody else's tests. */
async function ownRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await eventually('redis-server to answer', async () => {
    const ping = spawn('redis-cli', ['-p', String(port), 'ping'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let said = '';
    ping.stdout.on('data', (d: Buffer) => (said += d.toString()));
    await new Promise((resolve) => ping.on('close', resolve));
    return said.trim() === 'PONG' ? true : undefined;
  });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await gone;
}

describe('/readyz while Redis is down', () => {
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  let redis: ChildProcess;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    redis = await ownRedis(port);
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    slipway = await startSlipway({ standIn, redisUrl: `redis://127.0.0.1:${port}`, executor: false });
  });

  afterAll(async () => {
    await slipway?.close();
    await standIn?.stop();
    if (redis) await stop(redis);
  });

  it('answers 503 with the reason while Redis is down and 200 once it is back; /healthz stays 200', async () => {
    const readyz = async () => {
      const res = await fetch(`${slipway.url}/readyz`);
      return { status: res.status, body: (await res.json()) as { checks: Array<{ name: string; reason?: string }> } };
    };
    expect((await readyz()).status).toBe(200);

    await stop(redis);
    const down = await eventually('503 from /readyz', async () => {
      const answer = await readyz();
      return answer.status === 503 ? answer : undefined;
    });
    expect(down.body.checks).toEqual([{ name: 'redis', ok: false, reason: expect.stringMatching(/Redis/) }]);
    expect((await fetch(`${slipway.url}/healthz`)).status).toBe(200);

    redis = await ownRedis(port);
    const up = await eventually('200 from /readyz', async () => {
      const answer = await readyz();
      return answer.status === 200 ? answer : undefined;
    });
    expect(up.body).toEqual({ ready: true, checks: [{ name: 'redis', ok: true }] });
  });
});
