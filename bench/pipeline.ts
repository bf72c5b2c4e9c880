import type Docker from 'dockerode';
import type { GitHubStandIn } from '../test/support/github-stand-in.js';
import type { BuildRecord } from '../services/core/builds/record.js';
import { describeCalls, total, type EngineCalls } from './engine-calls.js';
import { contextsOf, finalStatuses, floorJobsOf, OWNER, push, specOf } from './builds.js';
import { floorChain, floorStage } from './floor.js';
import { median, ms, note, percentile, ratio, record, sleep } from './figures.js';
import type { SlipwayProcesses } from './slipway-processes.js';

const RUNS = Number(process.env.SLIPWAY_BENCH_RUNS ?? 10);
/** SLIPWAY_BENCH_TRACE=1: each build's statuses as they reach the stand-in, ms after the push. */
const TRACE = process.env.SLIPWAY_BENCH_TRACE === '1';
/** Time for a build's teardown (after its final status) before the next push, so builds do not overlap. */
const SETTLE_MS = 1_500;

/**
 * Pipeline latency: a signed push → the last final status, for one trivial step in each of
 * test, e2e and deploy (checkout included), median of 10, each run next to the floor (the
 * same four jobs back to back through the Engine API), alternating so both see the same load.
 */
export async function pipelineBench(
  slipway: SlipwayProcesses,
  standIn: GitHubStandIn,
  docker: Docker,
  calls: EngineCalls,
): Promise<void> {
  const stages = { test: 1, e2e: 1, deploy: true };
  const repo = 'pipeline';
  await standIn.createRepo(OWNER, repo);
  const spec = specOf(stages);
  const contexts = contextsOf(stages);
  const builds: number[] = [];
  const floors: number[] = [];
  const perBuild: Array<Map<string, number>> = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const sha = await standIn.commit(OWNER, repo, 'master', { '.buildspec.yml': `${spec}# run ${i}\n` });
    const floor = await floorChain(docker, floorJobsOf(standIn, repo, spec, sha));
    calls.take();
    const t0 = performance.now();
    const trace = TRACE ? traceStatuses(standIn, repo, sha, t0) : undefined;
    const id = await push(slipway.url, repo, 'master', sha, `pipeline-${i}-${Date.now()}`);
    const states = await finalStatuses(standIn, repo, sha, contexts);
    const took = performance.now() - t0;
    if (trace) note(`trace ${id} pushed ${new Date(Date.now() - took).toISOString()}: ${trace.stop()}`);
    if (Object.values(states).some((s) => s !== 'success'))
      throw new Error(`bench: pipeline build ended ${JSON.stringify(states)}`);
    await sleep(SETTLE_MS);
    // The first run warms images, Redis and the processes: not counted.
    if (i === 0) continue;
    perBuild.push(calls.take());
    builds.push(took);
    floors.push(floor);
  }
  const b = median(builds);
  const f = median(floors);
  record({
    what: 'pipeline latency: push → last final status (3 stages)',
    value: `${ms(b)} (median of ${RUNS})`,
    against: `floor ${ms(f)} → ${ratio(b, f)} (target ≤ 1.10 ×)`,
    verdict: b <= 1.1 * f ? 'met' : 'NOT met',
  });
  note(`builds ${builds.map((n) => Math.round(n)).join(', ')} ms`);
  note(`floor  ${floors.map((n) => Math.round(n)).join(', ')} ms`);
  note(`a green build reaches GitHub ${ms(b - f)} (median) after the same jobs alone would have finished`);
  const summed = new Map<string, number>();
  for (const counts of perBuild) for (const [k, v] of counts) summed.set(k, (summed.get(k) ?? 0) + v);
  record({
    what: 'Engine API calls per build (executor, incl. teardown)',
    value: `${(total(summed) / perBuild.length).toFixed(1)}`,
    against: '',
  });
  note(describeCalls(summed, perBuild.length));
}

/**
 * Parallel stage: a stage of 8 trivial steps against one step alone, each measured from the
 * first step's start to the last step's end in the build's record; median of 5.
 */
export async function parallelBench(slipway: SlipwayProcesses, standIn: GitHubStandIn, docker: Docker): Promise<void> {
  const repo = 'parallel';
  await standIn.createRepo(OWNER, repo);
  const spans: Record<number, number[]> = { 1: [], 8: [] };
  const floors: Record<number, number[]> = { 1: [], 8: [] };
  for (let i = 0; i < 6; i++) {
    for (const n of [1, 8]) {
      const spec = specOf({ test: n });
      const sha = await standIn.commit(OWNER, repo, 'master', { '.buildspec.yml': `${spec}# run ${i}\n` });
      // The swarm's own figure beside it: the stage's jobs created at once, awaited through the Engine API.
      const floor = await floorStage(docker, floorJobsOf(standIn, repo, spec, sha).slice(1));
      if (i > 0) floors[n]!.push(floor);
      const id = await push(slipway.url, repo, 'master', sha, `parallel-${n}-${i}-${Date.now()}`);
      await finalStatuses(standIn, repo, sha, ['slipway/test']);
      const rec = await buildRecord(slipway.url, id);
      const steps = rec.stages.find((s) => s.name === 'test')!.steps;
      const start = Math.min(...steps.map((s) => Date.parse(s.startedAt!)));
      const end = Math.max(...steps.map((s) => Date.parse(s.finishedAt!)));
      if (i > 0) spans[n]!.push(end - start);
      await sleep(SETTLE_MS);
    }
  }
  const one = median(spans[1]!);
  const eight = median(spans[8]!);
  record({
    what: 'parallel stage: 8 trivial steps, first start → last end',
    value: `${ms(eight)} (median of 5)`,
    against: `one step ${ms(one)} → ${ratio(eight, one)} (target ≤ 1.3 ×)`,
    verdict: eight <= 1.3 * one ? 'met' : 'NOT met',
  });
  note(`8 steps ${spans[8]!.join(', ')} ms; 1 step ${spans[1]!.join(', ')} ms`);
  const floorOne = median(floors[1]!);
  const floorEight = median(floors[8]!);
  note(
    `the swarm alone (the same jobs created at once through the Engine API, polled every 10 ms): ` +
      `8 jobs ${ms(floorEight)}, 1 job ${ms(floorOne)} → ${ratio(floorEight, floorOne)}; ` +
      `Slipway's 8-step stage ${ratio(eight, floorEight)} the swarm's 8 jobs`,
  );
  const rounded = (values: number[]) => values.map((v) => Math.round(v)).join(', ');
  note(`floor 8 jobs ${rounded(floors[8]!)} ms; 1 job ${rounded(floors[1]!)} ms`);
}

/** Live log latency: a line printed in a step → the SSE client, p50 and p95 over 40 lines. */
export async function liveLogBench(slipway: SlipwayProcesses, standIn: GitHubStandIn, label: string): Promise<void> {
  const repo = `livelog-${label}`;
  await standIn.createRepo(OWNER, repo);
  const spec =
    'test:\n  - name: ticker\n    image: slipway/busybox:1\n    commands:\n' +
    '      - for i in $(seq 1 40); do echo "tick $i"; sleep 0.1; done\n';
  const sha = await standIn.commit(OWNER, repo, 'master', { '.buildspec.yml': spec });
  const id = await push(slipway.url, repo, 'master', sha, `livelog-${label}-${Date.now()}`);
  let stream: Response | undefined;
  for (let i = 0; i < 600 && !stream; i++) {
    const res = await fetch(`${slipway.url}/builds/${id}/steps/ticker/log/stream`);
    if (res.ok) stream = res;
    else await sleep(100);
  }
  if (!stream) throw new Error('bench: no live log stream');
  const lags: number[] = [];
  let buffer = '';
  for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) {
    const now = Date.now();
    buffer += Buffer.from(chunk).toString('utf8');
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = event.split('\n').find((l) => l.startsWith('data: '));
      if (!data) continue;
      const line = JSON.parse(data.slice(6)) as { time?: string; ts?: string; text?: string };
      const at = line.time ?? line.ts;
      if (line.text?.startsWith('tick ') && at) lags.push(now - Date.parse(at));
    }
  }
  await finalStatuses(standIn, repo, sha, ['slipway/test']);
  const p95 = percentile(lags, 95);
  record({
    what: `live log: line printed → SSE client, ${label} (${lags.length} lines)`,
    value: `p50 ${ms(percentile(lags, 50))}, p95 ${ms(p95)}`,
    against: 'target p95 < 250 ms',
    verdict: lags.length > 0 && p95 < 250 ? 'met' : 'NOT met',
  });
}

/** Notes each status (context and state) as it reaches the stand-in, ms after `t0`, polled every 2 ms. */
function traceStatuses(standIn: GitHubStandIn, repo: string, sha: string, t0: number): { stop(): string } {
  const seen: string[] = [];
  let count = 0;
  const timer = setInterval(() => {
    const all = standIn.statuses(OWNER, repo, sha);
    for (const s of all.slice(count))
      seen.push(`${Math.round(performance.now() - t0)} ${s.context.replace('slipway/', '')}=${s.state}`);
    count = all.length;
  }, 2);
  return {
    stop() {
      clearInterval(timer);
      return seen.join(', ');
    },
  };
}

async function buildRecord(url: string, id: string): Promise<BuildRecord> {
  const res = await fetch(`${url}/builds/${id}`, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`bench: GET build ${id} answered ${res.status}`);
  const body = (await res.json()) as BuildRecord | { build: BuildRecord };
  return 'build' in body ? body.build : body;
}
