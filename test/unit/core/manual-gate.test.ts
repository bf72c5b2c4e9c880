import { describe, expect, it } from '@jest/globals';
import {
  gateCommandOf,
  gateReason,
  gateState,
  mayDecideGate,
  type GateRequest,
} from '../../../services/core/gate/manual-gate.js';
import { compilePlan } from '../../../services/core/plan/compile-plan.js';
import { mapEvent } from '../../../services/core/trigger/map-event.js';
import { rankOf } from '../../../services/shared/status-queue.js';
import { lines, REQUEST, specParser } from './support.js';

const gate = (extra: Partial<GateRequest> = {}): GateRequest => ({
  buildId: 'b0123456789a',
  stage: 'e2e',
  url: 'http://10.0.0.5:30080',
  people: { users: ['tess'], teams: ['acme/qa'] },
  pusher: 'octocat',
  requestedAt: '2024-05-01T10:00:00.000Z',
  expiresAt: '2024-05-01T12:00:00.000Z',
  decisions: [],
  state: 'pending',
  ...extra,
});
const AT = new Date('2024-05-01T11:00:00.000Z');
const decision = (user: string, d: 'pass' | 'fail', counted: boolean) =>
  ({ user, decision: d, at: AT.toISOString(), via: 'comment', counted }) as const;

const spec = (manual: string[]) =>
  lines(
    'test:',
    '  - {name: unit, image: busybox, commands: ["true"]}',
    'e2e:',
    '  services:',
    '    - {name: db, image: redis:7}',
    '  steps:',
    '    - {name: browse, image: busybox, commands: ["true"]}',
    ...manual,
  );

describe('manual test gates in the spec and the plan', () => {
  it('compiles manual: into the e2e stage of the plan, with its defaults', () => {
    const result = specParser()(
      spec([
        '  manual:',
        '    app:',
        '      image: "registry.local/shop:${{ build.sha }}"',
        '      command: [httpd, -f, -p, "8080"]',
        '      env: {DB: "redis://db:6379", DEBUG: true}',
        '      port: 8080',
        '    people: {users: [tess], teams: [acme/qa]}',
        '    instructions: Put two items in the cart and check the total.',
        '    timeout: 30m',
      ]),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const e2e = compilePlan(result.spec, REQUEST, { gitImage: 'slipway/git:1' }).stages.find((s) => s.name === 'e2e');
    expect(e2e?.manual).toEqual({
      app: {
        key: 'app',
        name: 'app',
        image: `registry.local/shop:${REQUEST.sha}`,
        command: ['httpd', '-f', '-p', '8080'],
        env: { DB: 'redis://db:6379', DEBUG: 'true' },
        port: 8080,
      },
      people: { users: ['tess'], teams: ['acme/qa'] },
      instructions: 'Put two items in the cart and check the total.',
      timeoutMs: 30 * 60_000,
    });
    const plain = specParser()(spec(['  manual:', '    app: {image: busybox, port: 80}']));
    if (!plain.ok) throw new Error(JSON.stringify(plain.issues));
    expect(compilePlan(plain.spec, REQUEST, { gitImage: 'g' }).stages[1]?.manual).toMatchObject({
      people: { users: [], teams: [] },
      timeoutMs: 4 * 3_600_000,
    });
  });

  it('refuses a gate outside e2e, an application without a port, and a bad timeout, saying where', () => {
    const outside = specParser()(
      lines(
        'test:',
        '  steps:',
        '    - {name: unit, image: busybox, commands: ["true"]}',
        '  manual:',
        '    app: {image: busybox, port: 80}',
      ),
    );
    expect(outside.ok ? [] : outside.issues.map((i) => [i.path, i.line, i.message])).toEqual([
      ['/test/manual', 4, 'a manual test gate is only for the e2e stage'],
    ]);
    const bad = specParser()(spec(['  manual:', '    app: {image: busybox}', '    timeout: soon']));
    expect(bad.ok ? [] : bad.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['/e2e/manual/app', '/e2e/manual/timeout']),
    );
  });
});

describe('who may decide a manual test, and where it stands', () => {
  it('counts a named user or team member with write permission, and nobody else', () => {
    expect(mayDecideGate(gate(), 'tess', { role: 'write', teams: [] })).toEqual({ ok: true });
    expect(mayDecideGate(gate(), 'quinn', { role: 'write', teams: ['acme/qa'] })).toEqual({ ok: true });
    expect(mayDecideGate(gate(), 'mallory', { role: 'admin', teams: [] })).toEqual({
      ok: false,
      why: 'mallory is not among the testers (tess, team acme/qa)',
    });
    expect(mayDecideGate(gate(), 'tess', { role: 'read', teams: [] })).toEqual({
      ok: false,
      why: 'tess has read permission on the repository; deciding a manual test needs write or more',
    });
    const anyone = gate({ people: { users: [], teams: [] } });
    expect(mayDecideGate(anyone, 'maya', { role: 'maintain', teams: [] })).toEqual({ ok: true });
    expect(mayDecideGate(anyone, 'walt', { role: 'write', teams: [] }).ok).toBe(false);
  });

  it('is settled by the first counted word, and expires at its time', () => {
    expect(gateState(gate(), AT)).toBe('pending');
    expect(gateState(gate({ decisions: [decision('x', 'fail', false)] }), AT)).toBe('pending');
    expect(gateState(gate({ decisions: [decision('x', 'fail', false), decision('tess', 'pass', true)] }), AT)).toBe(
      'passed',
    );
    expect(gateState(gate({ decisions: [decision('tess', 'fail', true), decision('q', 'pass', true)] }), AT)).toBe(
      'failed',
    );
    expect(gateState(gate(), new Date('2024-05-01T12:00:00.000Z'))).toBe('expired');
    expect(gateState(gate({ state: 'passed' }), new Date('2030-01-01T00:00:00Z'))).toBe('passed');
  });

  it('says where it stands in words, with the URL while it waits', () => {
    expect(gateReason(gate({ pullRequest: 12 }), 7_200_000)).toBe(
      'for a manual test at http://10.0.0.5:30080 by tess, team acme/qa ' +
        '(/pass or /fail on pull request #12, Pass or Fail on the build page, or the API) until 2024-05-01 12:00 UTC',
    );
    // A push: its commit is the head of the pull request it was merged from.
    expect(gateReason(gate(), 7_200_000)).toBe(
      'for a manual test at http://10.0.0.5:30080 by tess, team acme/qa (/pass or /fail on the pull request ' +
        'this commit came from, Pass or Fail on the build page, or the API) until 2024-05-01 12:00 UTC',
    );
    const failed = gate({ state: 'failed', decisions: [{ ...decision('tess', 'fail', true), reason: 'no total' }] });
    expect(gateReason(failed, 1)).toBe('Manual test failed by tess: no total');
    expect(gateReason(gate({ state: 'expired' }), 7_200_000)).toBe(
      'Manual test timed out: nobody passed or failed it within 2h',
    );
  });

  it('ranks a held stage after running and before its end, so its status is posted', () => {
    const ranks = [
      rankOf({ stage: 'e2e', state: 'waiting', reason: 'for a lock' }),
      rankOf({ stage: 'e2e', state: 'running' }),
      rankOf({ stage: 'e2e', state: 'waiting', reason: 'for a manual test', held: true }),
      rankOf({ stage: 'e2e', state: 'success', steps: 1, durationMs: 0 }),
    ];
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    expect(new Set(ranks).size).toBe(4);
  });
});

describe('/pass and /fail comments', () => {
  it('reads the command and its reason from the first line only', () => {
    expect(gateCommandOf('/pass')).toEqual({ decision: 'pass' });
    expect(gateCommandOf('  /fail the total is wrong\nmore words')).toEqual({
      decision: 'fail',
      reason: 'the total is wrong',
    });
    expect(gateCommandOf('/passed')).toBeUndefined();
    expect(gateCommandOf('I think /pass')).toBeUndefined();
  });

  it('maps a /fail comment on a pull request to a decision of its commenter', () => {
    const payload = {
      action: 'created',
      issue: { number: 7, pull_request: { url: 'x' } },
      comment: { body: '/fail checkout page is blank', user: { login: 'tess' } },
      repository: { name: 'shop', owner: { login: 'acme' } },
    };
    expect(mapEvent('issue_comment', 'd-1', payload)).toEqual({
      action: 'gate',
      repo: { owner: 'acme', name: 'shop' },
      pullRequest: 7,
      user: 'tess',
      decision: 'fail',
      reason: 'checkout page is blank',
    });
    expect(mapEvent('issue_comment', 'd-2', { ...payload, issue: { number: 7 } })).toMatchObject({ action: 'ignore' });
  });
});
