/**
 * `npm run bench`: Slipway's speed and memory, measured on the real Redis and swarm.
 * Results are printed as a table; docs/performance.md keeps the latest numbers and targets.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compilePlan } from '../services/core/plan/compile-plan.js';
import { projectRoot } from '../services/shared/project-root.js';
import { specParser } from '../services/shared/spec-parser.js';
import { GitHubStandIn } from '../test/support/github-stand-in.js';
import { eventually, freshRedisUrl, startSlipway, WEBHOOK_SECRET } from '../test/support/slipway-harness.js';
import { pushPayload, signedHeaders } from '../test/support/webhook-payloads.js';

const rows: Array<[string, string, string]> = [];
const record = (what: string, value: string, target = '') => {
  rows.push([what, value, target]);
  process.stdout.write(`${what.padEnd(48)} ${value.padEnd(28)} ${target}\n`);
};
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function specBench(): Promise<void> {
  const text = readFileSync(join(projectRoot(), '.buildspec.example.yml'), 'utf8');
  const parse = specParser();
  const request = {
    id: 'bench',
    event: 'push',
    repo: { owner: 'a', name: 'b' },
    sha: 'c'.repeat(40),
    ref: 'refs/heads/master',
    cloneUrl: 'x',
    sender: 'd',
  };
  for (let i = 0; i < 200; i++) parse(text);
  const n = 2_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = parse(text);
    if (r.ok) compilePlan(r.spec, request, { gitImage: 'slipway/git:1' });
  }
  const us = Number(process.hrtime.bigint() - start) / 1e3 / n;
  record('parse + validate + compile the example spec', `${us.toFixed(0)} µs each`, '< 5 ms');
}

async function serviceBench(): Promise<void> {
  const standIn = await GitHubStandIn.start({ token: 'test-token' });
  await standIn.createRepo('bench', 'app');
  const redisUrl = await freshRedisUrl(9);
  const slipway = await startSlipway({ standIn, redisUrl });
  try {
    // Webhook answer time: a push that starts nothing Slipway waits on (its build is ignored by the planner later).
    const latencies: number[] = [];
    const body = JSON.stringify(
      pushPayload({
        owner: 'bench',
        repo: 'app',
        cloneUrl: 'https://github.com/bench/app.git',
        branch: 'master',
        before: '0'.repeat(40),
        after: 'f'.repeat(40),
      }),
    );
    for (let i = 0; i < 300; i++) {
      const headers = signedHeaders('push', body, WEBHOOK_SECRET, `bench-${i}`);
      const t = performance.now();
      const res = await fetch(`${slipway.url}/webhooks`, { method: 'POST', headers, body });
      await res.arrayBuffer();
      latencies.push(performance.now() - t);
    }
    latencies.sort((a, b) => a - b);
    record('webhook → 202 (signed push, queued), p50', ms(pct(latencies, 50)), '');
    record('webhook → 202, p99', ms(pct(latencies, 99)), '< 100 ms (GitHub waits 10 s)');

    // Live log latency and a one-step build's wall time, through the real swarm.
    const spec =
      'test:\n' +
      '  - name: ticker\n' +
      '    image: slipway/busybox:1\n' +
      '    commands:\n' +
      '      - for i in $(seq 1 40); do echo "tick $i"; sleep 0.1; done\n';
    const sha = await standIn.commit('bench', 'app', 'master', { '.buildspec.yml': spec });
    const push = JSON.stringify(
      pushPayload({
        owner: 'bench',
        repo: 'app',
        cloneUrl: 'https://github.com/bench/app.git',
        branch: 'master',
        before: '0'.repeat(40),
        after: sha,
      }),
    );
    const t0 = performance.now();
    const res = await fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders('push', push, WEBHOOK_SECRET, 'bench-build'),
      body: push,
    });
    const { build } = (await res.json()) as { build: string };
    await eventually(
      'the build to be planned',
      async () => ((await fetch(`${slipway.url}/builds/${build}`)).ok ? true : undefined),
      180_000,
    );
    const stream = await fetch(`${slipway.url}/builds/${build}/steps/ticker/log/stream`);
    const lags: number[] = [];
    let buffer = '';
    for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += Buffer.from(chunk).toString('utf8');
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (!event.startsWith('data: ')) continue;
        const line = JSON.parse(event.slice(6)) as { time: string; text: string };
        if (line.text.startsWith('tick ')) lags.push(Date.now() - Date.parse(line.time));
      }
    }
    lags.sort((a, b) => a - b);
    record(`live log: line printed → SSE client (${lags.length} lines), p50`, ms(pct(lags, 50)), '');
    record('live log, max', ms(lags.at(-1) ?? NaN), '< 500 ms');
    await eventually(
      'the final status',
      () => {
        const s = standIn.latestStatus('bench', 'app', sha, 'slipway/test');
        return s && s.state !== 'pending' ? s : undefined;
      },
      120_000,
    );
    record(
      'one-step build (4 s of work): webhook → final status',
      `${((performance.now() - t0) / 1000).toFixed(1)} s`,
      'work + < 5 s overhead',
    );
  } finally {
    await slipway.close();
    await standIn.stop();
  }
}

await specBench();
await serviceBench();
process.exit(0);
