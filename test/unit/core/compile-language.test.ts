import { spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import type { BuildRequest } from '../../../services/core/builds/types.js';
import { compilePlan } from '../../../services/core/plan/compile-plan.js';
import { globToRegExp, matchesWhen } from '../../../services/core/plan/match-when.js';
import type { Plan, PlanStep } from '../../../services/core/plan/types.js';
import type { SpecPolicy } from '../../../services/core/buildspec/types.js';
import { lines, REQUEST, specParser } from './support.js';

const OPTIONS = { gitImage: 'slipway/git:1' };

function compile(text: string, request: Partial<BuildRequest> = {}, policy?: SpecPolicy): Plan {
  const result = specParser()(text, policy);
  if (!result.ok) throw new Error(`spec refused: ${JSON.stringify(result.issues)}`);
  return compilePlan(result.spec, { ...REQUEST, ...request }, OPTIONS);
}

const steps = (plan: Plan): PlanStep[] => plan.stages.flatMap((s) => s.steps);
const names = (plan: Plan) => plan.stages.map((s) => [s.name, s.steps.map((x) => x.name)]);

describe('when', () => {
  it.each([
    ['main', 'main', true],
    ['main', 'mainline', false],
    ['release/*', 'release/1.2', true],
    ['release/*', 'release/1.2/hotfix', false],
    ['release/**', 'release/1.2/hotfix', true],
    ['**', 'any/thing', true],
    ['v?', 'v1', true],
    ['v?', 'v10', false],
    ['feat.x', 'featYx', false],
    ['a+b', 'a+b', true],
  ])('glob %j matches branch %j: %s', (glob, branch, expected) => {
    expect(globToRegExp(glob).test(branch)).toBe(expected);
  });

  it('matches events and branches, both when both are given', () => {
    const push = { event: 'push', ref: 'refs/heads/main' };
    expect(matchesWhen(undefined, push)).toBe(true);
    expect(matchesWhen({}, push)).toBe(true);
    expect(matchesWhen({ events: ['push'] }, push)).toBe(true);
    expect(matchesWhen({ events: ['manual'] }, push)).toBe(false);
    expect(matchesWhen({ branches: ['main'], events: ['push'] }, push)).toBe(true);
    expect(matchesWhen({ branches: ['dev'], events: ['push'] }, push)).toBe(false);
    expect(matchesWhen({ branches: ['*'] }, { event: 'push', ref: 'refs/tags/v1' })).toBe(false);
    expect(matchesWhen({ events: ['push'] }, { event: 'push', ref: 'refs/tags/v1' })).toBe(true);
  });

  it('leaves out steps that do not match, and stages left without steps', () => {
    const text = lines(
      'test:',
      '  - {name: always, image: a, commands: [x]}',
      '  - {name: on main, image: a, commands: [x], when: {branches: [main]}}',
      'e2e:',
      '  - {name: nightly, image: a, commands: [x], when: {events: [manual]}}',
    );
    expect(names(compile(text, { ref: 'refs/heads/main' }))).toEqual([['test', ['always', 'on main']]]);
    expect(names(compile(text, { ref: 'refs/heads/dev' }))).toEqual([['test', ['always']]]);
    expect(names(compile(text, { ref: 'refs/heads/dev', event: 'manual' }))).toEqual([
      ['test', ['always']],
      ['e2e', ['nightly']],
    ]);
  });
});

describe('defaults and step settings', () => {
  const text = lines(
    'defaults:',
    '  image: node:20',
    '  env: {CI: true, LEVEL: 1}',
    '  timeout: 20m',
    '  retries: 2',
    '  resources: {cpus: 1.5, memory: 1G}',
    'test:',
    '  - name: inherits',
    '    commands: [x]',
    '  - name: overrides',
    '    image: node:22',
    '    env: {LEVEL: 2, EXTRA: "yes"}',
    '    timeout: 30',
    '    retries: 0',
    '    resources: {memory: 256M}',
    '    allow_failure: true',
    '    secrets: [npm-token]',
    '    artifacts: [./out/, "a//b/./c"]',
    '    placement: {constraints: ["node.role == worker"], node_labels: {disk: ssd, gpu: true}}',
    '    commands: [x]',
  );
  const [inherits, overrides] = steps(compile(text));

  it('gives a step every default it does not set', () => {
    expect(inherits).toMatchObject({
      image: 'node:20',
      env: { CI: 'true', LEVEL: '1' },
      timeoutMs: 1_200_000,
      retries: 2,
      resources: { cpus: 1.5, memoryBytes: 1024 ** 3 },
      allowFailure: false,
      secrets: [],
      placement: [],
      locks: [],
      artifacts: [],
    });
  });

  it("merges env and resources, the step's value winning, and takes its other settings as they are", () => {
    expect(overrides).toMatchObject({
      image: 'node:22',
      env: { CI: 'true', LEVEL: '2', EXTRA: 'yes' },
      timeoutMs: 30_000,
      retries: 0,
      resources: { cpus: 1.5, memoryBytes: 256 * 1024 ** 2 },
      allowFailure: true,
      secrets: ['npm-token'],
      placement: ['node.role==worker', 'node.labels.disk==ssd', 'node.labels.gpu==true'],
      artifacts: ['out', 'a/b/c'],
    });
  });

  it('uses the compile options for a step timeout nobody set', () => {
    const result = specParser()(lines('test:', '  - {name: x, image: a, commands: [x]}'));
    if (!result.ok) throw new Error('refused');
    expect(compilePlan(result.spec, REQUEST, { ...OPTIONS, stepTimeoutMs: 5_000 }).stages[0]?.steps[0]?.timeoutMs).toBe(
      5_000,
    );
  });
});

describe('script', () => {
  it('runs a script with /bin/sh under set -e, as written', () => {
    const plan = compile(
      lines(
        'test:',
        '  - name: x',
        '    image: a',
        '    script: |',
        '      echo one',
        '      false',
        '      echo never',
      ),
    );
    const script = plan.stages[0]!.steps[0]!.script;
    expect(script).toBe('set -e\necho one\nfalse\necho never\n');
    const run = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
    expect([run.stdout, run.status]).toEqual(['one\n', 1]);
  });
});

describe('matrix steps in the plan', () => {
  const text = lines(
    'test:',
    '  - name: unit',
    '    image: "node:${{ matrix.node }}-${{matrix.os}}"',
    '    env: {MATRIX_NODE: overridden, KEEP: me}',
    '    matrix:',
    '      axes: {node: [18, 20], os: [alpine]}',
    '    commands: [x]',
    '  - {name: "Unit (node: 18, os: alpine)!", image: a, commands: [x]}',
  );

  it('expands into named steps with their combination, env and image, and unique keys', () => {
    const plan = compile(text);
    expect(steps(plan).map((s) => [s.key, s.name, s.image, s.env, s.matrix])).toEqual([
      [
        'unit-node-18-os-alpine',
        'unit (node: 18, os: alpine)',
        'node:18-alpine',
        { MATRIX_NODE: '18', MATRIX_OS: 'alpine', KEEP: 'me' },
        { node: '18', os: 'alpine' },
      ],
      [
        'unit-node-20-os-alpine',
        'unit (node: 20, os: alpine)',
        'node:20-alpine',
        { MATRIX_NODE: '20', MATRIX_OS: 'alpine', KEEP: 'me' },
        { node: '20', os: 'alpine' },
      ],
      ['unit-node-18-os-alpine-2', 'Unit (node: 18, os: alpine)!', 'a', {}, undefined],
    ]);
  });
});

describe('sidecars', () => {
  it('compiles e2e sidecars with their defaults, keyed by name', () => {
    const plan = compile(
      lines(
        'e2e:',
        '  services:',
        '    - {name: db, image: redis:7, ready: {command: redis-cli ping}}',
        '    - {name: web, image: nginx, env: {PORT: 80}, command: [nginx, -g, "daemon off;"]}',
        '  steps:',
        '    - {name: e2e, image: a, commands: [x]}',
      ),
    );
    expect(plan.stages[0]?.sidecars).toEqual([
      {
        key: 'db',
        name: 'db',
        image: 'redis:7',
        env: {},
        ready: { command: 'redis-cli ping', intervalMs: 1_000, timeoutMs: 60_000 },
      },
      { key: 'web', name: 'web', image: 'nginx', env: { PORT: '80' }, command: ['nginx', '-g', 'daemon off;'] },
    ]);
  });

  it('leaves the sidecars out with the stage when no e2e step runs', () => {
    const plan = compile(
      lines(
        'e2e:',
        '  services: [{name: db, image: redis}]',
        '  steps:',
        '    - {name: e2e, image: a, commands: [x], when: {branches: [main]}}',
      ),
      {
        ref: 'refs/heads/dev',
      },
    );
    expect(plan.stages).toEqual([]);
  });
});

describe('deploy environments', () => {
  const text = lines(
    'locks: {prod: {capacity: 1}}',
    'deploy:',
    '  environments:',
    '    staging:',
    '      branch: main',
    '      steps: [{name: deploy, image: a, env: {SLIPWAY_ENVIRONMENT: mine}, commands: [x]}]',
    '    production:',
    '      branch: production',
    '      url: https://example.com',
    '      lock: prod',
    '      approval: {}',
    '      steps: [{name: deploy, image: a, commands: [x]}]',
    '    preview:',
    '      branch: preview',
    '      approval: {required: false, users: [octocat]}',
    '      steps: [{name: deploy, image: a, commands: [x]}]',
  );

  it('deploys the environment of the branch built, telling its steps where', () => {
    const plan = compile(text, { ref: 'refs/heads/main' });
    expect(plan.stages).toHaveLength(1);
    expect(plan.stages[0]?.environment).toEqual({ name: 'staging', locks: [] });
    expect(plan.stages[0]?.steps[0]?.env).toEqual({ SLIPWAY_ENVIRONMENT: 'staging' });
  });

  it('gives an approval block its defaults: required, anyone, one person, 24 hours, not oneself', () => {
    const plan = compile(text, { ref: 'refs/heads/production' });
    expect(plan.stages[0]?.environment).toEqual({
      name: 'production',
      url: 'https://example.com',
      approval: { required: true, users: [], teams: [], count: 1, expiresMs: 86_400_000, allowSelfApproval: false },
      locks: [{ name: 'prod', capacity: 1 }],
    });
    expect(plan.stages[0]?.steps[0]?.env).toEqual({
      SLIPWAY_ENVIRONMENT: 'production',
      SLIPWAY_ENVIRONMENT_URL: 'https://example.com',
    });
  });

  it('leaves out an approval that is not required', () => {
    expect(compile(text, { ref: 'refs/heads/preview' }).stages[0]?.environment).toEqual({ name: 'preview', locks: [] });
  });

  it('has no deploy stage for another branch, a tag or a pull request, and deploys a manual build', () => {
    expect(compile(text, { ref: 'refs/heads/feature' }).stages).toEqual([]);
    expect(compile(text, { ref: 'refs/tags/main' }).stages).toEqual([]);
    expect(compile(text, { ref: 'refs/heads/main', event: 'pull_request' }).stages).toEqual([]);
    expect(compile(text, { ref: 'refs/heads/main', event: 'manual' }).stages[0]?.environment?.name).toBe('staging');
  });
});

describe('host access in the plan', () => {
  it('carries what the operator allowed, and nothing for a step that asks for nothing', () => {
    const plan = compile(
      lines(
        'test:',
        '  - {name: a, image: a, privileged: true, volumes: ["/a:/b:rw", "/c:/d"], commands: [x]}',
        '  - {name: b, image: a, privileged: false, commands: [x]}',
      ),
      {},
      { allowPrivileged: true, allowHostMounts: true },
    );
    expect(steps(plan).map((s) => s.host)).toEqual([
      {
        privileged: true,
        mounts: [
          { source: '/a', target: '/b', readOnly: false },
          { source: '/c', target: '/d', readOnly: false },
        ],
      },
      undefined,
    ]);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });
});
