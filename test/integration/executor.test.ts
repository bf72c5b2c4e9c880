import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { recordForPlan } from '../../services/core/builds/record-for-plan.js';
import type { Plan } from '../../services/core/plan/types.js';
import type { StageEvent } from '../../services/core/status/types.js';
import { LABEL, SwarmBackend } from '../../services/executor/backend/swarm-backend.js';
import { runBuild } from '../../services/executor/run-build.js';
import type { RuntimeDeps } from '../../services/executor/runtime-deps.js';
import { createLogger } from '../../services/shared/logger.js';
import { redisState, type RedisState } from '../../services/shared/redis/redis-state.js';
import { GitHubStandIn } from '../support/github-stand-in.js';
import { planOf, step } from '../support/plan-fixtures.js';
import { eventually, freshRedisUrl, testInstance } from '../support/slipway-harness.js';

const INSTANCE = testInstance('executor');
const SECRET_VALUE = 's3cr3t-value-that-must-not-leak';
const docker = new Docker();

/** The executor's runtime on the real swarm and real Redis, with hand-built plans. */
describe('the executor on the real swarm', () => {
  let standIn: GitHubStandIn;
  let ports: RedisState;
  let cloneUrl: string;
  let sha: string;
  const backend = new SwarmBackend(docker, { instance: INSTANCE });

  beforeAll(async () => {
    ports = redisState(await freshRedisUrl(4), { logger: createLogger('test', true) });
    standIn = await GitHubStandIn.start();
    await standIn.createRepo('acme', 'exec');
    sha = await standIn.commit('acme', 'exec', 'master', { 'hello.txt': 'hello from the repository\n' });
    cloneUrl = standIn.cloneUrl('acme', 'exec');
  });

  afterAll(async () => {
    await ports?.close();
    await standIn?.stop();
  });

  async function run(
    plan: Plan,
    extra: Partial<RuntimeDeps> = {},
    stops = {},
  ): Promise<{ state: string; events: StageEvent[] }> {
    const events: StageEvent[] = [];
    await ports.builds.create(recordForPlan(plan, new Date().toISOString()));
    const state = await runBuild(
      plan,
      {
        backend,
        builds: ports.builds,
        logs: ports.logs,
        report: async (e) => void events.push(e),
        secretsFor: () => ({ 'deploy-key': SECRET_VALUE }),
        schedulingTimeoutMs: 20_000,
        logger: createLogger('test', true),
        ...extra,
      },
      stops,
    );
    return { state, events };
  }

  async function leftovers(buildId: string): Promise<string[]> {
    const filters = JSON.stringify({ label: [`${LABEL.build}=${buildId}`] });
    return [
      ...(await docker.listServices({ filters })).map((s) => `service ${s.Spec?.Name}`),
      ...(await docker.listNetworks({ filters })).map((n) => `network ${n.Name}`),
      ...((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => `volume ${v.Name}`),
      ...(await docker.listContainers({ all: true, filters })).map((c) => `container ${c.Names[0]}`),
      ...(await docker.listSecrets({ filters })).map((s) => `secret ${s.Spec?.Name}`),
    ];
  }

  it('ends a step whose image does not exist in error, saying "No such image" in words, not failure', async () => {
    const plan = planOf(cloneUrl, sha, [
      { name: 'test', steps: [step('ghost', ['true'], { image: 'does-not-exist' })] },
    ]);
    const { state, events } = await run(plan);
    expect(state).toBe('error');
    const end = events.find((e) => e.state === 'error');
    expect(end).toMatchObject({ stage: 'test', step: 'ghost' });
    expect((end as { reason: string }).reason).toMatch(
      /^No such image: does-not-exist(:latest)? is not on the node and could not be pulled/,
    );
    expect(await leftovers(plan.buildId)).toEqual([]);
  });

  it(
    'gives a step its secret as a file and an env variable, ' +
      'and its value appears in no log, service spec or record',
    async () => {
      const plan = planOf(cloneUrl, sha, [
        {
          name: 'deploy',
          steps: [
            step(
              'ship',
              ['test "$DEPLOY_KEY" = "$(cat /run/secrets/deploy-key)"', 'echo "key is $DEPLOY_KEY"', 'sleep 2'],
              { secrets: ['deploy-key'] },
            ),
          ],
        },
      ]);
      const inspected: string[] = [];
      const watcher = (async () => {
        const until = Date.now() + 30_000;
        while (inspected.length === 0 && Date.now() < until) {
          const services = await docker.listServices({
            filters: JSON.stringify({ label: [`${LABEL.build}=${plan.buildId}`, `${LABEL.step}=ship`] }),
          });
          for (const s of services) inspected.push(JSON.stringify(await docker.getService(s.ID!).inspect()));
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const { state } = await run(plan);
      await watcher;
      expect(state).toBe('success');
      expect(inspected.length).toBeGreaterThan(0);
      expect(inspected.join('')).not.toContain(SECRET_VALUE);
      const log = (await ports.logs.read(plan.buildId, 'ship')).map((l) => l.text);
      expect(log).toContain('key is ***');
      expect(JSON.stringify(log)).not.toContain(SECRET_VALUE);
      expect(JSON.stringify(await ports.builds.get(plan.buildId))).not.toContain(SECRET_VALUE);
      expect(await leftovers(plan.buildId)).toEqual([]);
    },
  );

  it('fails a step that runs past its timeout, saying so, and removes it', async () => {
    const plan = planOf(cloneUrl, sha, [{ name: 'test', steps: [step('slow', ['sleep 60'], { timeoutMs: 2_000 })] }]);
    const { state, events } = await run(plan);
    expect(state).toBe('failure');
    expect(events.find((e) => e.state === 'failure')).toMatchObject({ step: 'slow', reason: 'timed out after 2s' });
    expect(await leftovers(plan.buildId)).toEqual([]);
  });

  it('retries an infrastructure error as often as the step allows, with a new service per attempt', async () => {
    const plan = planOf(cloneUrl, sha, [
      { name: 'test', steps: [step('flaky', ['true'], { image: 'does-not-exist', retries: 1 })] },
    ]);
    const { state } = await run(plan);
    expect(state).toBe('error');
    expect((await ports.builds.get(plan.buildId))?.stages[0]?.steps[0]).toMatchObject({
      attempt: 2,
      service: `slw-${plan.buildId}-flaky-2`,
    });
  });

  it('does not fail a stage for a step allowed to fail', async () => {
    const plan = planOf(cloneUrl, sha, [
      { name: 'test', steps: [step('optional', ['exit 4'], { allowFailure: true }), step('main', ['cat hello.txt'])] },
    ]);
    const { state } = await run(plan);
    expect(state).toBe('success');
    expect((await ports.builds.get(plan.buildId))?.stages[0]?.steps.map((s) => [s.key, s.state, s.exitCode])).toEqual([
      ['optional', 'failure', 4],
      ['main', 'success', undefined],
    ]);
  });

  it('starts an e2e sidecar, waits until it is ready, and lets steps reach it by name', async () => {
    const plan = planOf(cloneUrl, sha, [
      {
        name: 'e2e',
        sidecars: [
          {
            key: 'db',
            name: 'db',
            image: 'slipway/redis:1',
            env: {},
            ready: {
              command: "printf 'PING\\r\\n' | nc -w 1 127.0.0.1 6379 | grep -q PONG",
              intervalMs: 500,
              timeoutMs: 30_000,
            },
          },
        ],
        steps: [
          step('talks to db', ["printf 'SET k v\\r\\nGET k\\r\\n' | nc -w 2 db 6379 | tee /dev/stderr | grep -q '^v'"]),
        ],
      },
    ]);
    const { state, events } = await run(plan);
    expect(events.at(-1)).toMatchObject({ stage: 'e2e', state: 'success' });
    expect(state).toBe('success');
    expect(await leftovers(plan.buildId)).toEqual([]);
  });

  it('cancels a running build: the step stops, the stage says why, nothing is left', async () => {
    const plan = planOf(cloneUrl, sha, [
      { name: 'test', steps: [step('forever', ['echo started', 'sleep 120'])] },
      { name: 'deploy', steps: [step('ship', ['true'])] },
    ]);
    const controller = new AbortController();
    const running = run(plan, {}, { cancel: controller.signal });
    await eventually(
      'the step to print',
      async () =>
        (await ports.logs.read(plan.buildId, 'forever')).some((l) => l.text === 'started') ? true : undefined,
      30_000,
    );
    controller.abort('cancelled through the API');
    const { state, events } = await running;
    expect(state).toBe('cancelled');
    expect(events.filter((e) => e.state === 'cancelled').map((e) => e.stage)).toEqual(['test', 'deploy']);
    expect(await leftovers(plan.buildId)).toEqual([]);
  });

  it('never lets two builds hold the same lock at once; the second waits and says so', async () => {
    const { locks } = ports;
    const claim = { name: `board-${Date.now()}`, capacity: 1 };
    const stamp = (who: string) => [`echo "${who} start"`, 'sleep 2', `echo "${who} end"`];
    const a = planOf(cloneUrl, sha, [{ name: 'test', steps: [step('first', stamp('first'), { locks: [claim] })] }]);
    const b = planOf(cloneUrl, sha, [{ name: 'test', steps: [step('second', stamp('second'), { locks: [claim] })] }]);
    const first = run(a, { locks });
    await eventually(
      'the first build to hold the lock',
      async () => ((await ports.builds.get(a.buildId))?.stages[0]?.state === 'running' ? true : undefined),
      30_000,
    );
    const second = run(b, { locks });
    const [ra, rb] = await Promise.all([first, second]);
    expect([ra.state, rb.state]).toEqual(['success', 'success']);
    expect(rb.events[0]).toMatchObject({
      stage: 'test',
      state: 'waiting',
      reason: expect.stringContaining(`lock "${claim.name}", held by ${a.buildId}`),
    });
    // Docker's own timestamps of the lines the steps printed.
    const time = async (build: Plan, key: string, what: string) =>
      Date.parse((await ports.logs.read(build.buildId, key)).find((l) => l.text === `${key} ${what}`)!.time);
    expect(await time(b, 'second', 'start')).toBeGreaterThan(await time(a, 'first', 'end'));
  });
});
