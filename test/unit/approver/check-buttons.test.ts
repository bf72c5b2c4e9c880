import { describe, expect, it } from '@jest/globals';
import type { BuildRecord } from '../../../services/core/builds/record.js';
import { processButton, type ButtonDeps } from '../../../services/approver/process-button.js';
import { createLogger } from '../../../services/shared/logger.js';
import { memoryState } from '../../../services/shared/memory/memory-state.js';
import type { RerunInput } from '../../../services/shared/rerun.js';
import { REQUEST } from '../core/support.js';

const repo = REQUEST.repo;
const ROLES: Record<string, string> = { dev: 'write', reader: 'read' };

function setup(state: BuildRecord['state']) {
  const memory = memoryState();
  const reruns: RerunInput[] = [];
  const deps: ButtonDeps = {
    github: { roleOf: async (_repo, user) => ROLES[user] ?? 'none' },
    builds: memory.builds,
    stops: memory.stops,
    audit: memory.audit,
    rerun: async (input) => (reruns.push(input), { buildId: 'b-new' }),
    logger: createLogger('test', true),
  };
  const record: BuildRecord = { id: 'b-1', request: REQUEST, state, createdAt: '2026-12-02T06:00:00Z', stages: [] };
  return { memory, deps, reruns, record };
}

/** The Checks tab's Re-run and Cancel: the clicker's permission, as through the API. */
describe('processButton', () => {
  it('a writer’s Re-run goes through contract B with that stage’s failed steps, keyed by delivery', async () => {
    const { memory, deps, reruns, record } = setup('failure');
    await memory.builds.put(record);
    const button = { kind: 'rerun' as const, repo, buildId: 'b-1', sha: REQUEST.sha, failedOnly: true, stage: 'e2e' };
    expect(
      await processButton(
        { kind: 'button', button: { ...button, user: 'dev', via: 'check_run' }, delivery: 'd1' },
        deps,
      ),
    ).toBe('re-run of b-1 as b-new');
    expect(reruns).toEqual([
      expect.objectContaining({
        buildId: 'b-1',
        failedOnly: true,
        stage: 'e2e',
        by: 'dev',
        via: 'check_run',
        key: 'd1',
      }),
    ]);
  });

  it('someone without write permission re-runs and cancels nothing', async () => {
    const { memory, deps, reruns, record } = setup('running');
    await memory.builds.put(record);
    const cancel = { kind: 'cancel' as const, repo, buildId: 'b-1', user: 'reader' };
    expect(await processButton({ kind: 'button', button: cancel, delivery: 'd2' }, deps)).toMatch(
      /reader \(read\) may not cancel/,
    );
    expect(await memory.stops.reasons('b-1')).toEqual({});
    const rerun = {
      kind: 'rerun' as const,
      repo,
      buildId: 'b-1',
      sha: REQUEST.sha,
      failedOnly: false,
      user: 'stranger',
      via: 'check_suite' as const,
    };
    expect(await processButton({ kind: 'button', button: rerun, delivery: 'd3' }, deps)).toMatch(/may not re-run/);
    expect(reruns).toEqual([]);
  });

  it('a writer’s Cancel stops the build, saying who, and audits it', async () => {
    const { memory, deps, record } = setup('running');
    await memory.builds.put(record);
    await processButton(
      { kind: 'button', button: { kind: 'cancel', repo, buildId: 'b-1', user: 'dev' }, delivery: 'd4' },
      deps,
    );
    expect((await memory.stops.reasons('b-1')).cancelled).toBe("cancelled by dev on GitHub's Checks tab");
    expect(await memory.audit.list({ buildId: 'b-1', limit: 10 })).toEqual([
      expect.objectContaining({ kind: 'cancel', actor: 'dev', from: expect.objectContaining({ via: 'check_run' }) }),
    ]);
  });

  it('a build of another repository is not touched, whatever the click names', async () => {
    const { memory, deps, record } = setup('running');
    await memory.builds.put(record);
    const other = { owner: 'someone', name: 'else' };
    expect(
      await processButton(
        { kind: 'button', button: { kind: 'cancel', repo: other, buildId: 'b-1', user: 'dev' }, delivery: 'd5' },
        deps,
      ),
    ).toMatch(/no build b-1 in someone\/else/);
    expect(await memory.stops.reasons('b-1')).toEqual({});
  });
});
