import type { GitHubStandIn } from '../test/support/github-stand-in.js';
import { finalStatuses, OWNER, push } from './builds.js';
import { median, ms, note, ratio, record, sleep } from './figures.js';
import type { SlipwayProcesses } from './slipway-processes.js';

const ROUNDS = Number(process.env.SLIPWAY_BENCH_CACHE_ROUNDS ?? 3);

/**
 * An honest "install": only when `deps/` is absent, 600 packages each made from the lock
 * file by ten rounds of sha-256 in busybox, with 4 KiB of data each (about 3 MB); then the
 * "tests" read every package. No network.
 */
const SPEC = `version: 1
test:
  - name: install
    image: slipway/busybox:1
    script: |
      if [ ! -d deps ]; then
        echo installing
        mkdir deps
        i=0
        while [ $i -lt 600 ]; do
          h=$(cat package-lock.json); j=0
          while [ $j -lt 10 ]; do h=$(echo "$h$j" | sha256sum | cut -c1-64); j=$((j+1)); done
          mkdir -p deps/p$i; echo "$h" > deps/p$i/index.js; head -c 4096 /dev/urandom > deps/p$i/data.bin
          i=$((i+1))
        done
      fi
      cat deps/*/index.js | sha256sum
    cache:
      key: deps-\${{ hashFiles('package-lock.json') }}
      paths: [deps]
`;

/**
 * Caches: per round a new lock file (no restore keys: the first build finds nothing), built
 * twice (two commits, the lock file unchanged): the first build installs and saves, the
 * second restores. Push → final status of each, and the install step's own time (restore,
 * run, save), medians over the rounds.
 */
export async function cacheBench(slipway: SlipwayProcesses, standIn: GitHubStandIn): Promise<void> {
  const repo = 'cache';
  await standIn.createRepo(OWNER, repo);
  const first: number[] = [];
  const second: number[] = [];
  const steps: Array<[number, number]> = [];
  for (let round = 0; round < ROUNDS; round++) {
    const lock = `{"round": ${round}, "at": ${Date.now()}}\n`;
    const took: number[] = [];
    const stepMs: number[] = [];
    for (const build of [1, 2]) {
      const sha = await standIn.commit(OWNER, repo, 'master', {
        '.buildspec.yml': SPEC,
        'package-lock.json': lock,
        'build.txt': `${round}-${build}`,
      });
      const t0 = performance.now();
      const id = await push(slipway.url, repo, 'master', sha, `cache-${round}-${build}-${Date.now()}`);
      const states = await finalStatuses(standIn, repo, sha, ['slipway/test']);
      took.push(performance.now() - t0);
      if (states['slipway/test'] !== 'success') throw new Error(`bench: cache build ended ${JSON.stringify(states)}`);
      const res = await fetch(`${slipway.url}/builds/${id}`);
      const rec = (await res.json()) as {
        stages: Array<{ steps: Array<{ startedAt?: string; finishedAt?: string; cache?: { restored?: unknown } }> }>;
      };
      const step = rec.stages[0]!.steps[0]!;
      if ((build === 2) !== (step.cache?.restored !== undefined))
        throw new Error(`bench: build ${build} of round ${round} had cache ${JSON.stringify(step.cache)}`);
      stepMs.push(Date.parse(step.finishedAt ?? '') - Date.parse(step.startedAt ?? ''));
      await sleep(500);
    }
    first.push(took[0]!);
    second.push(took[1]!);
    steps.push([stepMs[0]!, stepMs[1]!]);
  }
  const a = median(first);
  const b = median(second);
  record({
    what: 'cache: push → final status, first build (installs, saves)',
    value: `${ms(a)} (median of ${ROUNDS})`,
  });
  record({
    what: 'cache: push → final status, second build (restores)',
    value: `${ms(b)} (median of ${ROUNDS})`,
    against: `first ${ms(a)} → ${ratio(b, a)} (target < 1 ×)`,
    verdict: b < a ? 'met' : 'NOT met',
  });
  const list = (values: number[]) => values.map((n) => Math.round(n)).join(', ');
  note(`first builds ${list(first)} ms; second ${list(second)} ms`);
  note(
    `install step (restore + run + save) ${steps.map(([x, y]) => `${Math.round(x)} → ${Math.round(y)}`).join(', ')} ms`,
  );
}
