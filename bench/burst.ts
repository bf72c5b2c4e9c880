import type Docker from 'dockerode';
import type { GitHubStandIn } from '../test/support/github-stand-in.js';
import { finalStatuses, floorJobsOf, OWNER, push, specOf } from './builds.js';
import type { EngineCalls } from './engine-calls.js';
import { floorChains } from './floor.js';
import { ms, note, ratio, record } from './figures.js';
import { peakRssMb, type SlipwayProcesses } from './slipway-processes.js';

export const BURST = 100;
export const BURST_CONCURRENCY = 8;

/**
 * Burst: 100 pushes to 100 branches at once (none supersedes another), one trivial step each,
 * the executor at concurrency 8: time until all 100 are final, next to the floor for the same
 * jobs at the same concurrency; then the peak memory of the server and the executor.
 */
export async function burstBench(
  slipway: SlipwayProcesses,
  standIn: GitHubStandIn,
  docker: Docker,
  calls: EngineCalls,
): Promise<void> {
  const repo = 'burst';
  await standIn.createRepo(OWNER, repo);
  const spec = specOf({ test: 1 });
  const shas: string[] = [];
  for (let i = 0; i < BURST; i++)
    shas.push(await standIn.commit(OWNER, repo, `burst-${i}`, { '.buildspec.yml': `${spec}# branch ${i}\n` }));

  const floor = await floorChains(
    docker,
    shas.map((sha) => floorJobsOf(standIn, repo, spec, sha)),
    BURST_CONCURRENCY,
  );
  calls.take();
  const t0 = performance.now();
  await Promise.all(shas.map((sha, i) => push(slipway.url, repo, `burst-${i}`, sha, `burst-${i}-${Date.now()}`)));
  const states = await Promise.all(shas.map((sha) => finalStatuses(standIn, repo, sha, ['slipway/test'], 900_000)));
  const took = performance.now() - t0;
  const creates = calls.take().get('POST /services/create') ?? 0;
  const green = states.filter((s) => s['slipway/test'] === 'success').length;
  const finals = (sha: string) =>
    standIn.statuses(OWNER, repo, sha).filter((s) => s.context === 'slipway/test' && s.state !== 'pending');
  const twice = shas.filter((sha) => finals(sha).length > 1);
  record({
    what: `burst: ${BURST} pushes to ${BURST} branches, executor concurrency ${BURST_CONCURRENCY}`,
    value: `${ms(took)} until all final`,
    against: `floor ${ms(floor)} → ${ratio(took, floor)} (target ≤ 1.2 ×)`,
    verdict: took <= 1.2 * floor && green === BURST ? 'met' : 'NOT met',
  });
  note(
    `${green}/${BURST} green, ${BURST - states.length} lost, ${twice.length} with more than one final status; ` +
      `${creates} Swarm services created for ${BURST * 2} jobs (checkout + step each)`,
  );
  const server = peakRssMb(slipway.server.pid!);
  const executor = peakRssMb(slipway.executor.pid!);
  record({
    what: 'memory: peak RSS (VmHWM) after the burst',
    value: `server ${server.toFixed(0)} MB, executor ${executor.toFixed(0)} MB`,
    against: 'target < 150 MB each',
    verdict: server < 150 && executor < 150 ? 'met' : 'NOT met',
  });
}
