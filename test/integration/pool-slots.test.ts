import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { recordForPlan } from '../../services/core/builds/record-for-plan.js';
import type { BuildRequest } from '../../services/core/builds/types.js';
import { compilePlan } from '../../services/core/plan/compile-plan.js';
import { SwarmBackend } from '../../services/executor/backend/swarm-backend.js';
import { runBuild } from '../../services/executor/run-build.js';
import { createLogger } from '../../services/shared/logger.js';
import { redisState, type RedisState } from '../../services/shared/redis/redis-state.js';
import { GitHubStandIn } from '../support/github-stand-in.js';
import { freshRedisUrl, testInstance } from '../support/slipway-harness.js';

/** A pool on the real swarm and real Redis: its slots are taken per step, not per build. */
describe('a pool of two slots', () => {
  let standIn: GitHubStandIn;
  let state: RedisState;
  let sha: string;
  const backend = new SwarmBackend(new Docker(), { instance: testInstance('pool-slots') });

  beforeAll(async () => {
    state = redisState(await freshRedisUrl(15), { logger: createLogger('test', true) });
    standIn = await GitHubStandIn.start();
    await standIn.createRepo('acme', 'pool');
    sha = await standIn.commit('acme', 'pool', 'master', { 'README.md': 'pool\n' });
  });

  afterAll(async () => {
    await state?.close();
    await standIn?.stop();
  });

  it('runs four matrix steps of one build two at a time, the others waiting their turn', async () => {
    const request: BuildRequest = {
      id: `pool-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
      event: 'push',
      repo: { owner: 'acme', name: 'pool' },
      sha,
      ref: 'refs/heads/master',
      cloneUrl: standIn.cloneUrl('acme', 'pool'),
      sender: 'octocat',
    };
    // Each step marks itself running in the shared workspace and counts who else is.
    const spec = {
      locks: { browsers: { capacity: 2 } },
      test: [
        {
          name: 'e2e',
          image: 'slipway/busybox:1',
          lock: 'browsers',
          matrix: { axes: { n: [1, 2, 3, 4] } },
          commands: [
            'mkdir -p /workspace/.running && touch /workspace/.running/$MATRIX_N',
            'sleep 2',
            'echo "together: $(ls /workspace/.running | wc -l)"',
            'sleep 1',
            'rm /workspace/.running/$MATRIX_N',
          ],
        },
      ],
    };
    const plan = compilePlan(spec as never, request, { gitImage: 'slipway/git:1' });
    expect(plan.stages[0]!.steps).toHaveLength(4);
    await state.builds.create(recordForPlan(plan, new Date().toISOString()));
    let mostWaiting = 0;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const record = await state.builds.get(plan.buildId);
        const waiting = record?.stages[0]?.steps.filter((s) => s.state === 'waiting').length ?? 0;
        mostWaiting = Math.max(mostWaiting, waiting);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const outcome = await runBuild(plan, {
      backend,
      builds: state.builds,
      logs: state.logs,
      locks: state.locks,
      report: async () => undefined,
      secretsFor: () => ({}),
      schedulingTimeoutMs: 20_000,
      logger: createLogger('test', true),
    });
    watching = false;
    await watch;
    expect(outcome).toBe('success');
    const together: number[] = [];
    for (const step of plan.stages[0]!.steps) {
      const line = (await state.logs.read(plan.buildId, step.key)).find((l) => l.text.startsWith('together: '));
      together.push(Number(line?.text.slice('together: '.length)));
    }
    // Never more than the pool's two at once, and two did run together; two steps waited.
    expect(Math.max(...together)).toBe(2);
    expect(mostWaiting).toBe(2);
  }, 120_000);
});
