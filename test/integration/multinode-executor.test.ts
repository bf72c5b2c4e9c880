import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { recordForPlan } from '../../services/core/builds/record-for-plan.js';
import type { StageEvent } from '../../services/core/status/types.js';
import { LABEL, SwarmBackend } from '../../services/executor/backend/swarm-backend.js';
import { runBuild } from '../../services/executor/run-build.js';
import { createLogger } from '../../services/shared/logger.js';
import { redisState, type RedisState } from '../../services/shared/redis/redis-state.js';
import { GitHubStandIn } from '../support/github-stand-in.js';
import {
  BOARD_CONSTRAINT,
  killWorker,
  multiNodeDown,
  multiNodeSwarm,
  type MultiNodeSwarm,
} from '../support/multinode.js';
import { planOf, step } from '../support/plan-fixtures.js';
import { eventually, freshRedisUrl, testInstance } from '../support/slipway-harness.js';

/** Slipway's executor on a two-node swarm (scripts/multinode.sh): placement by node label, and a node lost mid-step. */
describe('the executor on a two-node swarm', () => {
  let swarm: MultiNodeSwarm;
  let docker: Docker;
  let standIn: GitHubStandIn;
  let ports: RedisState;
  let cloneUrl: string;
  let sha: string;

  beforeAll(async () => {
    swarm = await multiNodeSwarm();
    docker = new Docker({ socketPath: swarm.managerSocket });
    ports = redisState(await freshRedisUrl(6), { logger: createLogger('test', true) });
    // The nodes reach the host on the namespaces' bridge.
    standIn = await GitHubStandIn.start({ gitHost: '10.231.0.1' });
    await standIn.createRepo('acme', 'boards');
    sha = await standIn.commit('acme', 'boards', 'master', { 'firmware.txt': 'firmware v1\n' });
    cloneUrl = standIn.cloneUrl('acme', 'boards');
  }, 150_000);

  afterAll(async () => {
    await ports?.close();
    await standIn?.stop();
    await multiNodeDown();
  }, 150_000);

  const run = async (plan: ReturnType<typeof planOf>) => {
    const events: StageEvent[] = [];
    await ports.builds.create(recordForPlan(plan, new Date().toISOString()));
    const state = await runBuild(plan, {
      backend: new SwarmBackend(docker, { instance: testInstance('multinode') }),
      builds: ports.builds,
      logs: ports.logs,
      report: async (e) => void events.push(e),
      secretsFor: () => ({}),
      schedulingTimeoutMs: 30_000,
      nodeLossGraceMs: 3_000,
      logger: createLogger('test', true),
    });
    return { state, events };
  };

  it('runs a step placed by node label on that node, with the source checked out there', async () => {
    const plan = planOf(cloneUrl, sha, [
      {
        name: 'test',
        steps: [
          step('on board', ['cat firmware.txt', 'echo "node=$SLIPWAY_NODE"'], { placement: [BOARD_CONSTRAINT] }),
          step('anywhere', ['echo "node=$SLIPWAY_NODE"']),
        ],
      },
    ]);
    const { state, events } = await run(plan);
    expect({ state, events: events.map((e) => `${e.stage}:${e.state}`) }).toEqual({
      state: 'success',
      events: ['test:running', 'test:success'],
    });
    const log = (key: string) => ports.logs.read(plan.buildId, key).then((lines) => lines.map((l) => l.text));
    expect(await log('on-board')).toEqual(expect.arrayContaining(['firmware v1', `node=${swarm.workerHostname}`]));
    expect(await log('anywhere')).toContain('node=slwmn-mgr');
    const filters = JSON.stringify({ label: [`${LABEL.build}=${plan.buildId}`] });
    expect(await docker.listServices({ filters })).toEqual([]);
  }, 120_000);

  it('ends a step whose node is lost mid-run in error, and the build reaches a final state', async () => {
    const plan = planOf(cloneUrl, sha, [
      { name: 'test', steps: [step('doomed', ['echo started', 'sleep 300'], { placement: [BOARD_CONSTRAINT] })] },
    ]);
    const running = run(plan);
    await eventually(
      'the step to start on the worker',
      async () =>
        (await ports.logs.read(plan.buildId, 'doomed')).some((l) => l.text === 'started') ? true : undefined,
      60_000,
    );
    await killWorker();
    const { state, events } = await running;
    expect(state).toBe('error');
    const end = events.find((e) => e.state === 'error') as { reason: string } | undefined;
    expect(end?.reason).toMatch(new RegExp(`^the node running this step \\(${swarm.workerHostname}\\) was lost: down`));
    expect((await ports.builds.get(plan.buildId))?.state).toBe('error');
  }, 150_000);
});
