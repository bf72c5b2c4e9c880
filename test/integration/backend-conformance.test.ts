import { describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { commandScript } from '../../services/core/plan/compile-plan.js';
import { buildObjectNames, serviceName } from '../../services/core/plan/naming.js';
import { FakeBackend } from '../../services/executor/backend/fake-backend.js';
import { SwarmBackend } from '../../services/executor/backend/swarm-backend.js';
import type { Backend, BuildResources, StepSpec } from '../../services/executor/backend/types.js';
import { testInstance } from '../support/slipway-harness.js';

/**
 * One contract, every backend: what `services/executor/backend/types.ts` promises, checked
 * against the in-memory fake and the real swarm alike.
 */
const backends: Array<[string, () => Backend]> = [
  ['fake', () => new FakeBackend()],
  ['swarm', () => new SwarmBackend(new Docker(), { instance: testInstance('conformance') })],
];

describe.each(backends)('the %s backend', (_name, make) => {
  const backend = make();
  let n = 0;
  const build = (): BuildResources => {
    const buildId = `bconf${Date.now().toString(36)}${n++}`;
    return { buildId, ...buildObjectNames(buildId) };
  };
  const spec = (b: BuildResources, key: string, commands: string[], extra: Partial<StepSpec> = {}): StepSpec => ({
    build: b,
    key,
    attempt: 1,
    name: serviceName(b.buildId, key, 1),
    image: 'slipway/busybox:1',
    script: commandScript(commands),
    env: {},
    secrets: [],
    resources: {},
    placement: [],
    ...extra,
  });
  const wait = { schedulingTimeoutMs: 20_000, timeoutMs: 60_000 };

  async function runToEnd(b: BuildResources, step: StepSpec) {
    const handle = await backend.startStep(step);
    const outcome = await backend.waitStep(handle, wait);
    const log = await backend.readLog(handle);
    await backend.removeStep(handle);
    return { outcome, log };
  }

  it(
    'reports exit 0 as success ' +
      'and a non-zero exit as failure with its code, ' +
      'and keeps stdout and stderr apart',
    async () => {
      const b = build();
      await backend.setupBuild(b, {});
      try {
        const ok = await runToEnd(b, spec(b, 'ok', ['echo out', 'echo err >&2', 'printf "no newline"']));
        expect(ok.outcome).toEqual({ kind: 'success' });
        expect(ok.log.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual([
          '$ echo out',
          'out',
          '$ echo err >&2',
          '$ printf "no newline"',
          'no newline',
        ]);
        expect(ok.log.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual(['err']);
        const bad = await runToEnd(b, spec(b, 'bad', ['exit 3']));
        expect(bad.outcome).toEqual({ kind: 'failure', exitCode: 3 });
      } finally {
        await backend.teardownBuild(b.buildId);
      }
    },
  );

  it('has the whole log of a step that printed much as soon as it ended well', async () => {
    const b = build();
    await backend.setupBuild(b, {});
    try {
      const { outcome, log } = await runToEnd(b, spec(b, 'chatty', ['seq 1 3000', 'echo last line']));
      expect(outcome).toEqual({ kind: 'success' });
      const out = log.filter((l) => l.stream === 'stdout').map((l) => l.text);
      expect(out.filter((t) => /^\d+$/.test(t))).toHaveLength(3000);
      expect(out.at(-1)).toBe('last line');
    } finally {
      await backend.teardownBuild(b.buildId);
    }
  });

  it('refuses an image it does not have as an error, not a failure', async () => {
    const b = build();
    await backend.setupBuild(b, {});
    try {
      const { outcome } = await runToEnd(b, spec(b, 'ghost', ['true'], { image: 'does-not-exist' }));
      expect(outcome.kind).toBe('error');
      expect(outcome.kind === 'error' && outcome.reason).toMatch(/No such image: does-not-exist/);
    } finally {
      await backend.teardownBuild(b.buildId);
    }
  });

  it('delivers lines while the step runs, and stops a step past its time limit', async () => {
    const b = build();
    await backend.setupBuild(b, {});
    try {
      const handle = await backend.startStep(spec(b, 'slow', ['echo first', 'sleep 30']));
      const live: string[] = [];
      const follower = backend.followLog(handle, (lines) => live.push(...lines.map((l) => l.text)));
      const outcome = await backend.waitStep(handle, { ...wait, timeoutMs: 3_000 });
      follower.stop();
      expect(outcome).toMatchObject({ kind: 'failure', reason: 'timed out after 3s' });
      expect(live).toContain('first');
      await backend.removeStep(handle);
    } finally {
      await backend.teardownBuild(b.buildId);
    }
  });

  it('attaches to a step that already exists instead of starting it twice', async () => {
    const b = build();
    await backend.setupBuild(b, {});
    try {
      const step = spec(b, 'once', ['echo ran', 'sleep 1']);
      const first = await backend.startStep(step);
      const again = await backend.startStep(step);
      expect([first.reattached, again.reattached]).toEqual([false, true]);
      expect(await backend.waitStep(again, wait)).toEqual({ kind: 'success' });
      expect((await backend.readLog(again)).filter((l) => l.text === 'ran')).toHaveLength(1);
      await backend.removeStep(again);
    } finally {
      await backend.teardownBuild(b.buildId);
    }
  });

  it('returns cancelled when the signal is aborted', async () => {
    const b = build();
    await backend.setupBuild(b, {});
    try {
      const handle = await backend.startStep(spec(b, 'stoppable', ['sleep 60']));
      const controller = new AbortController();
      setTimeout(() => controller.abort('stop now'), 1_000);
      expect(await backend.waitStep(handle, { ...wait, signal: controller.signal })).toEqual({
        kind: 'cancelled',
        reason: 'stop now',
      });
    } finally {
      await backend.teardownBuild(b.buildId);
    }
  });

  it('tears a build down idempotently, even one never set up, and then knows nothing of it', async () => {
    const b = build();
    await backend.teardownBuild(b.buildId);
    await backend.setupBuild(b, { token: 'value' });
    expect(await backend.buildsPresent()).toContain(b.buildId);
    await backend.teardownBuild(b.buildId);
    await backend.teardownBuild(b.buildId);
    expect(await backend.buildsPresent()).not.toContain(b.buildId);
  });
});
