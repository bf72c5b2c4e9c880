import type { GitHubStandIn } from '../test/support/github-stand-in.js';
import { finalStatuses, OWNER, push } from './builds.js';
import { ms, note, record, sleep } from './figures.js';
import { peakRssMb, type SlipwayProcesses } from './slipway-processes.js';

const FILES = 5;
const FILE_BYTES = 10 * 1024 * 1024;

/** A step that leaves 5 × 10 MiB of random bytes as artifacts (the default SLIPWAY_ARTIFACT_MAX_BUILD_BYTES). */
const SPEC = `version: 1
test:
  - name: build
    image: slipway/busybox:1
    script: |
      mkdir -p dist
      i=0
      while [ $i -lt ${FILES} ]; do head -c ${FILE_BYTES} /dev/urandom > dist/part-$i.bin; i=$((i+1)); done
    artifacts: [dist]
`;

/** The executor's resident memory now (VmRSS), in MB. */
function rssMb(pid: number): number {
  return peakRssMb(pid, 'VmRSS');
}

/**
 * Collecting files: one build whose step leaves 50 MiB of artifacts, then two such builds at
 * once (two collections in the executor at the same time, as its concurrency allows). Push →
 * final status, every artifact checked by size, and the executor's peak RSS (VmHWM) after each,
 * against its RSS before (the executor was started for the bench; run this part alone,
 * `SLIPWAY_BENCH=collect`, so nothing else has raised its peak).
 */
export async function collectBench(slipway: SlipwayProcesses, standIn: GitHubStandIn): Promise<void> {
  const repo = 'collect';
  await standIn.createRepo(OWNER, repo);
  const pid = slipway.executor.pid!;
  const before = rssMb(pid);
  let n = 0;
  // Each build on its own branch: a push to the same branch would supersede the one before.
  const build = async (): Promise<number> => {
    const branch = `b${++n}`;
    const sha = await standIn.commit(OWNER, repo, branch, { '.buildspec.yml': SPEC, 'n.txt': branch });
    const t0 = performance.now();
    const id = await push(slipway.url, repo, branch, sha, `collect-${n}-${Date.now()}`);
    const states = await finalStatuses(standIn, repo, sha, ['slipway/test']);
    const took = performance.now() - t0;
    if (states['slipway/test'] !== 'success') throw new Error(`bench: collect build ended ${JSON.stringify(states)}`);
    const res = await fetch(`${slipway.url}/api/v1/builds/${id}/artifacts`);
    const { artifacts } = (await res.json()) as { artifacts: Array<{ path: string; size: number }> };
    const whole = artifacts.filter((a) => a.size === FILE_BYTES).length;
    if (whole !== FILES) {
      const log = await (await fetch(`${slipway.url}/api/v1/builds/${id}/steps/build/log`)).text();
      throw new Error(`bench: collect build kept ${JSON.stringify(artifacts)}; its log: ${log}`);
    }
    return took;
  };
  const one = await build();
  const peakOne = peakRssMb(pid);
  await sleep(1000);
  const two = await Promise.all([build(), build()]);
  const peakTwo = peakRssMb(pid);
  const mib = (FILES * FILE_BYTES) / 2 ** 20;
  record({
    what: `collect: ${mib} MiB of artifacts, one build`,
    value: `${ms(one)} push → final`,
    against: `executor RSS ${before.toFixed(0)} MB before, peak ${peakOne.toFixed(0)} MB`,
  });
  record({
    what: `collect: ${mib} MiB of artifacts each, two builds at once`,
    value: `${two.map(ms).join(', ')}`,
    against: `executor peak RSS ${peakTwo.toFixed(0)} MB (stack limit 768 MiB)`,
    verdict: peakTwo < 768 ? 'met' : 'NOT met',
  });
  note(`executor RSS after the builds ${rssMb(pid).toFixed(0)} MB`);
}
