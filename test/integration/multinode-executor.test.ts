import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { recordForPlan } from '../../services/core/builds/record-for-plan.js';
import type { StageEvent } from '../../services/core/status/types.js';
import { LABEL, SwarmBackend } from '../../services/executor/backend/swarm-backend.js';
import { runBuild } from '../../services/executor/run-build.js';
import { createLogger } from '../../services/shared/logger.js';
import { redisState, type RedisState } from '../../services/shared/redis/redis-state.js';
import { GitHubStandIn } from '../support/github-stand-in.js';
import { serviceName } from '../../services/core/plan/naming.js';
import { watchSwarmEvents } from '../support/docker-events.js';
import {
  BOARD_CONSTRAINT,
  killNode,
  MANAGER_HOSTNAME,
  multiNodeDown,
  multiNodeSwarm,
  nodeSocket,
  reviveNode,
  WORKER_CONSTRAINT,
  type MultiNodeSwarm,
} from '../support/multinode.js';
import { planOf, step } from '../support/plan-fixtures.js';
import { eventually, freshRedisUrl, testInstance } from '../support/slipway-harness.js';

/** Any image with `node` on every node, for the cleanup job: Slipway's own (scripts/slipway-image.sh). */
const CLEANUP_IMAGE = process.env.SLIPWAY_TEST_CLEANUP_IMAGE ?? 'slipway/slipway:dev';

/**
 * Slipway's executor on a three-node swarm (scripts/multinode.sh): placement by node label, and
 * a worker lost mid-step, with and without a retry.
 */
describe('the executor on a multi-node swarm', () => {
  let swarm: MultiNodeSwarm;
  let docker: Docker;
  let standIn: GitHubStandIn;
  let ports: RedisState;
  let cloneUrl: string;
  let sha: string;

  beforeAll(async () => {
    // A 1 s heartbeat: a lost node is marked down in about 4 s instead of 12-15 s.
    swarm = await multiNodeSwarm({ heartbeat: '1s', images: [CLEANUP_IMAGE] });
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

  /** The worker that survived the retry test, not killed and revived. */
  let untouched: string | undefined;

  const run = async (plan: ReturnType<typeof planOf>) => {
    const events: StageEvent[] = [];
    const warnings: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
    const logger = createLogger('test', true);
    await ports.builds.create(recordForPlan(plan, new Date().toISOString()));
    const state = await runBuild(plan, {
      backend: new SwarmBackend(docker, { instance: testInstance('multinode'), cleanupImage: CLEANUP_IMAGE }),
      builds: ports.builds,
      logs: ports.logs,
      report: async (e) => void events.push(e),
      secretsFor: () => ({}),
      schedulingTimeoutMs: 30_000,
      nodeLossGraceMs: 3_000,
      logger: {
        ...logger,
        warn: (msg, fields) => {
          warnings.push({ msg, ...(fields ? { fields } : {}) });
          logger.warn(msg, fields);
        },
      },
    });
    return { state, events, warnings };
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

  it('runs a step with `retries: 1` again on the other worker when its worker is lost mid-run', async () => {
    const plan = planOf(cloneUrl, sha, [
      {
        name: 'test',
        steps: [
          // Long enough for its node to be killed while it runs; the retry runs it to the end.
          step('flash', ['cat firmware.txt', 'echo "on $SLIPWAY_NODE"', 'sleep 8'], {
            placement: [WORKER_CONSTRAINT],
            retries: 1,
          }),
        ],
      },
    ]);
    const attempts = [1, 2, 3].map((n) => serviceName(plan.buildId, 'flash', n));
    const seen = await watchSwarmEvents(docker);
    let lost = '';
    try {
      const running = run(plan);
      const first = await eventually(
        'the first attempt to run on a worker',
        async () =>
          (await ports.logs.read(plan.buildId, 'flash'))
            .map((l) => /^on (slwmn-w[12])$/.exec(l.text)?.[1])
            .find(Boolean),
        60_000,
      );
      lost = first;
      await killNode(lost);
      const { state, warnings } = await running;
      const survivor = swarm.workerHostnames.find((h) => h !== lost)!;
      untouched = survivor;

      expect(state).toBe('success');
      const record = (await ports.builds.get(plan.buildId))!;
      const flash = record.stages[0]!.steps.find((s) => s.key === 'flash')!;
      expect({ state: record.state, step: flash.state, attempt: flash.attempt, node: flash.node }).toEqual({
        state: 'success',
        step: 'success',
        attempt: 2,
        node: survivor,
      });
      // The first attempt ended as lost, which the retry says why.
      expect(warnings).toEqual([
        expect.objectContaining({
          msg: 'step error, retrying',
          fields: expect.objectContaining({
            step: 'flash',
            attempt: 1,
            reason: expect.stringMatching(new RegExp(`^the node running this step \\(${lost}\\) was lost: down`)),
          }),
        }),
      ]);
      const log = (await ports.logs.read(plan.buildId, 'flash')).map((l) => l.text);
      expect(log).toEqual(expect.arrayContaining(['firmware v1', `on ${survivor}`]));
      // Ran twice, never three times: a service per attempt, the third never made.
      expect(seen.createdServices.filter((n) => attempts.includes(n)).sort()).toEqual(attempts.slice(0, 2).sort());

      // Nothing of the build is left on the nodes that survived.
      const label = { label: [`${LABEL.build}=${plan.buildId}`] };
      expect(await docker.listServices({ filters: JSON.stringify(label) })).toEqual([]);
      for (const engine of [docker, new Docker({ socketPath: nodeSocket(survivor) })]) {
        const where = engine === docker ? MANAGER_HOSTNAME : survivor;
        const filters = JSON.stringify(label);
        const containers = await engine.listContainers({ all: true, filters });
        const volumes = (await engine.listVolumes({ filters })).Volumes ?? [];
        expect({ where, containers, volumes }).toEqual({ where, containers: [], volumes: [] });
      }
    } finally {
      seen.stop();
      // The lost machine comes back (as itself) for the tests after this one.
      if (lost) await reviveNode(lost);
    }
  }, 180_000);

  it('ends a step whose node is lost mid-run in error, and the build reaches a final state', async () => {
    // On the worker the test before did not kill: a revived node can take a minute to run tasks again.
    const target = untouched ?? swarm.workerHostname;
    const plan = planOf(cloneUrl, sha, [
      {
        name: 'test',
        steps: [step('doomed', ['echo started', 'sleep 300'], { placement: [`node.hostname==${target}`] })],
      },
    ]);
    const running = run(plan);
    await eventually(
      'the step to start on the worker',
      async () =>
        (await ports.logs.read(plan.buildId, 'doomed')).some((l) => l.text === 'started') ? true : undefined,
      60_000,
    );
    await killNode(target);
    const { state, events } = await running;
    expect(state).toBe('error');
    const end = events.find((e) => e.state === 'error') as { reason: string } | undefined;
    expect(end?.reason).toMatch(new RegExp(`^the node running this step \\(${target}\\) was lost: down`));
    expect((await ports.builds.get(plan.buildId))?.state).toBe('error');
  }, 150_000);
});
