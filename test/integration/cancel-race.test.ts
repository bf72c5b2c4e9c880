import { describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { recordForPlan } from '../../services/core/builds/record-for-plan.js';
import { LABEL, SwarmBackend } from '../../services/executor/backend/swarm-backend.js';
import { runBuild } from '../../services/executor/run-build.js';
import { createLogger } from '../../services/shared/logger.js';
import { memoryState } from '../../services/shared/memory/memory-state.js';
import { planOf, step } from '../support/plan-fixtures.js';
import { testInstance } from '../support/slipway-harness.js';
import { random } from '../support/seeded-random.js';

const docker = new Docker();
/** `SLIPWAY_RACE_SEED` replays a run; each run logs its seed. */
const SEED = Number(process.env.SLIPWAY_RACE_SEED ?? Date.now() % 100_000);
const ROUNDS = Number(process.env.SLIPWAY_RACE_ROUNDS ?? 8);

async function leftovers(buildId: string): Promise<string[]> {
  const filters = JSON.stringify({ label: [`${LABEL.build}=${buildId}`] });
  return [
    ...(await docker.listServices({ filters })).map((s) => `service ${s.Spec?.Name}`),
    ...(await docker.listContainers({ all: true, filters })).map((c) => `container ${c.Names[0]} (${c.State})`),
    ...((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => `volume ${v.Name}`),
    ...(await docker.listNetworks({ filters })).map((n) => `network ${n.Name}`),
    ...(await docker.listSecrets({ filters })).map((s) => `secret ${s.Spec?.Name}`),
  ];
}

/**
 * Cancellation racing with the creation of a build's objects, on the real swarm: a build is
 * cancelled at a seeded random moment in its first 1.5 s (setting up, creating the checkout's
 * service, Swarm creating its container, the container starting), again and again; when
 * `runBuild` returns, nothing of the build is left, and a little later nothing has come back.
 */
describe('a build cancelled while its objects are being made', () => {
  it(`leaves no container, volume, service, network or secret (seed ${SEED}, ${ROUNDS} rounds)`, async () => {
    const next = random(SEED);
    const backend = new SwarmBackend(docker, { instance: testInstance('cancel-race') });
    const left: Record<string, string[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const delayMs = Math.floor(next() * 1_500);
      const plan = planOf('git://127.0.0.1:9/none.git', 'f'.repeat(40), [
        { name: 'test', steps: [step('never', ['true'], { secrets: ['token'] })] },
      ]);
      // The checkout takes long enough that the cancel lands while it is being made or runs.
      plan.checkout = { ...plan.checkout, image: 'slipway/busybox:1', script: 'sleep 30', retries: 0 };
      const state = memoryState();
      await state.builds.create(recordForPlan(plan, new Date().toISOString()));
      const cancel = new AbortController();
      const timer = setTimeout(() => cancel.abort('cancelled by the race test'), delayMs);
      const outcome = await runBuild(
        plan,
        {
          backend,
          builds: state.builds,
          logs: state.logs,
          report: async () => undefined,
          secretsFor: () => ({ token: 'not-a-real-one' }),
          schedulingTimeoutMs: 20_000,
          logger: createLogger('test', true),
        },
        { cancel: cancel.signal },
      );
      clearTimeout(timer);
      expect(outcome).toBe('cancelled');
      const now = await leftovers(plan.buildId);
      // What Swarm makes late (a container created after its service went) shows up a moment later.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const later = await leftovers(plan.buildId);
      if (now.length + later.length > 0) left[`round ${round}, cancelled after ${delayMs} ms`] = [...now, ...later];
      await backend.teardownBuild(plan.buildId);
    }
    expect(left).toEqual({});
  }, 300_000);
});
