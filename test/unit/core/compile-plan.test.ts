import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { commandScript, compilePlan, shellQuote, WORKSPACE } from '../../../services/core/plan/compile-plan.js';
import { buildIdFor, buildObjectNames, serviceName, slug } from '../../../services/core/plan/naming.js';
import type { Plan } from '../../../services/core/plan/types.js';
import type { BuildSpec, SpecStep } from '../../../services/core/buildspec/types.js';
import { lines, REQUEST, specParser } from './support.js';

const OPTIONS = { gitImage: 'slipway/git:1' };
const step = (name: string, extra: Partial<SpecStep> = {}): SpecStep => ({
  name,
  image: 'alpine:3.20',
  commands: ['true'],
  ...extra,
});

/** Runs a script the way a step's container does: `/bin/sh -c SCRIPT`. */
function runScript(
  script: string,
  env: NodeJS.ProcessEnv = process.env,
): { stdout: string; stderr: string; status: number | null } {
  const result = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', env, timeout: 5_000 });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

function compileText(text: string): Plan {
  const result = specParser()(text);
  if (!result.ok) throw new Error(`spec refused: ${JSON.stringify(result.issues)}`);
  return compilePlan(result.spec, REQUEST, OPTIONS);
}

describe('compilePlan: stages', () => {
  it('runs the stages in the fixed order test, e2e, deploy whatever the order in the file', () => {
    const plan = compileText(
      lines(
        'deploy:',
        '  - {name: prod, image: alpine, commands: [./deploy.sh]}',
        'e2e:',
        '  - {name: browser, image: playwright, commands: [npx playwright test]}',
        'test:',
        '  - {name: unit, image: node:20, commands: [npm test]}',
      ),
    );
    expect(plan.stages.map((s) => s.name)).toEqual(['test', 'e2e', 'deploy']);
    expect(plan.stages.map((s) => s.steps.map((x) => x.name))).toEqual([['unit'], ['browser'], ['prod']]);
    expect(plan.stages.flatMap((s) => s.steps.map((x) => x.stage))).toEqual(['test', 'e2e', 'deploy']);
  });

  it('leaves out stages the spec does not define', () => {
    const plan = compileText(
      lines(
        'deploy:',
        '  - {name: prod, image: alpine, commands: [x]}',
        'test:',
        '  - {name: unit, image: alpine, commands: [y]}',
      ),
    );
    expect(plan.stages.map((s) => s.name)).toEqual(['test', 'deploy']);
  });

  it('keeps the steps of a stage in the order written, with their images', () => {
    const spec: BuildSpec = {
      test: [
        step('lint', { image: 'node:20' }),
        step('unit', { image: 'node:22' }),
        step('types', { image: 'node:18' }),
      ],
    };
    const plan = compilePlan(spec, REQUEST, OPTIONS);
    expect(plan.stages[0]?.steps.map((s) => [s.key, s.image])).toEqual([
      ['lint', 'node:20'],
      ['unit', 'node:22'],
      ['types', 'node:18'],
    ]);
  });

  it('names the build and its Swarm objects after the request, deterministically', () => {
    const plan = compilePlan({ test: [step('unit')] }, REQUEST, OPTIONS);
    expect(plan.buildId).toBe(buildIdFor(REQUEST.id));
    expect(plan.request).toEqual(REQUEST);
    expect(plan.network).toBe(`slw-${plan.buildId}-net`);
    expect(plan.volume).toBe(`slw-${plan.buildId}-ws`);
    expect(compilePlan({ test: [step('unit')] }, REQUEST, OPTIONS)).toEqual(plan);
  });

  it('is plain JSON data: it survives a round trip through JSON unchanged', () => {
    const plan = compileText(
      lines('test:', '  - {name: unit, image: node:20, commands: [npm test], env: {CI: true, N: 3}}'),
    );
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });
});

describe('compilePlan: env', () => {
  it('turns every env value into the string the shell will see', () => {
    const plan = compileText(
      lines(
        'test:',
        '  - name: unit',
        '    image: node:20',
        '    commands: [npm test]',
        '    env:',
        '      CI: true',
        '      RETRIES: 3',
        '      RATIO: 0.5',
        '      QUOTED: "true"',
        '      NAME: widget',
        '      EMPTY: ""',
      ),
    );
    expect(plan.stages[0]?.steps[0]?.env).toEqual({
      CI: 'true',
      RETRIES: '3',
      RATIO: '0.5',
      QUOTED: 'true',
      NAME: 'widget',
      EMPTY: '',
    });
  });

  it('gives a step without env an empty env', () => {
    const plan = compilePlan({ test: [step('unit')] }, REQUEST, OPTIONS);
    expect(plan.stages[0]?.steps[0]?.env).toEqual({});
  });
});

describe('compilePlan: step keys', () => {
  it('gives distinct keys to names that slug the same ("Unit" and "unit!")', () => {
    const plan = compilePlan({ test: [step('Unit'), step('unit!')], e2e: [step('UNIT ')] }, REQUEST, OPTIONS);
    const keys = plan.stages.flatMap((s) => s.steps.map((x) => x.key));
    expect(keys).toEqual(['unit', 'unit-2', 'unit-3']);
    // The names are kept as written, for statuses and the dashboard.
    expect(plan.stages.flatMap((s) => s.steps.map((x) => x.name))).toEqual(['Unit', 'unit!', 'UNIT ']);
  });

  it('never gives a step the key of the checkout', () => {
    const plan = compilePlan({ test: [step('Checkout')] }, REQUEST, OPTIONS);
    expect(plan.checkout.key).toBe('checkout');
    expect(plan.stages[0]?.steps[0]?.key).not.toBe('checkout');
    expect(plan.stages[0]?.steps[0]?.key).toMatch(/^checkout-\d+$/);
  });

  it('gives a key made of letters, digits and dashes even to a name made of punctuation or other scripts', () => {
    const plan = compilePlan(
      { test: [step('!!!'), step('ユニット'), step('Run unit tests (Node 20)')] },
      REQUEST,
      OPTIONS,
    );
    const keys = plan.stages[0]?.steps.map((s) => s.key) ?? [];
    expect(keys).toEqual(['step', 'step-2', 'run-unit-tests-node-20']);
    for (const key of keys) expect(key).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('slug lower-cases and joins words with single dashes, trimming the ends', () => {
    expect(slug('  Build & Test: Node_20  ')).toBe('build-test-node-20');
    expect(slug('---')).toBe('');
  });
});

describe('commandScript', () => {
  it('echoes each command, runs it, and stops at the first that fails with its exit code', () => {
    const result = runScript(commandScript(['echo a', 'false', 'echo never']));
    expect(result.stdout).toBe('$ echo a\na\n$ false\n');
    expect(result.status).toBe(1);
  });

  it('exits with the exit code of the failing command', () => {
    const result = runScript(commandScript(['echo before', 'sh -c "exit 42"', 'echo after']));
    expect(result.stdout).toBe('$ echo before\nbefore\n$ sh -c "exit 42"\n');
    expect(result.status).toBe(42);
  });

  it('runs every command and exits 0 when all succeed, in one shell (state carries over)', () => {
    const result = runScript(commandScript(['X=hello', 'cd /', 'echo "$X from $(pwd)"']));
    expect(result.stdout).toBe('$ X=hello\n$ cd /\n$ echo "$X from $(pwd)"\nhello from /\n');
    expect(result.status).toBe(0);
  });

  it('echoes a command literally: quotes, $ and backticks are shown, not expanded', () => {
    const command = `echo "it's $((1 + 2))" \`echo x\` '$HOME' %s %%`;
    const result = runScript(commandScript([command]));
    expect(result.stdout).toBe(`$ ${command}\nit's 3 x $HOME %s %%\n`);
    expect(result.status).toBe(0);
  });

  it('lets a command read the step env', () => {
    const result = runScript(commandScript(['echo "STRICT=$STRICT"']), { PATH: process.env.PATH, STRICT: 'true' });
    expect(result.stdout).toBe('$ echo "STRICT=$STRICT"\nSTRICT=true\n');
  });
});

describe('shellQuote', () => {
  it.each([['plain'], ["it's"], ["''"], ['$HOME `id` "quoted" \\ ; rm -rf /'], ['two\nlines'], ['']])(
    'quotes %j so that /bin/sh gives back exactly the same string',
    (text) => {
      const result = runScript(`printf '%s' ${shellQuote(text)}`);
      expect(result.stdout).toBe(text);
    },
  );

  it('wraps in single quotes and escapes embedded single quotes', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});

describe('checkout step', () => {
  let bin: string;

  beforeAll(() => {
    // A stand-in `git` that prints each argument in brackets, so the test sees exactly what
    // the checkout script runs, and how the shell split it into arguments.
    bin = mkdtempSync(join(tmpdir(), 'slipway-fake-git-'));
    writeFileSync(join(bin, 'git'), '#!/bin/sh\nfor a in "$@"; do printf "[%s]" "$a"; done\necho\n');
    chmodSync(join(bin, 'git'), 0o755);
  });

  afterAll(() => {
    rmSync(bin, { recursive: true, force: true });
  });

  it('runs in the git image, before any stage, under the reserved key "checkout"', () => {
    const plan = compilePlan({ test: [step('unit')] }, REQUEST, OPTIONS);
    expect(plan.checkout).toMatchObject({
      key: 'checkout',
      name: 'checkout',
      stage: 'checkout',
      image: 'slipway/git:1',
      env: {},
    });
  });

  it("clones the request's clone URL into the workspace and checks out the request's sha", () => {
    const plan = compilePlan({ test: [step('unit')] }, REQUEST, OPTIONS);
    const result = runScript(plan.checkout.script, { PATH: `${bin}:${process.env.PATH ?? ''}` });
    expect(result.status).toBe(0);
    const gitCalls = result.stdout.split('\n').filter((l) => l.startsWith('['));
    expect(gitCalls).toEqual([
      `[clone][--quiet][--no-checkout][${REQUEST.cloneUrl}][${WORKSPACE}]`,
      `[-C][${WORKSPACE}][-c][advice.detachedHead=false][checkout][--quiet][${REQUEST.sha}]`,
      `[-C][${WORKSPACE}][log][-1][--format=checked out %H: %s]`,
    ]);
  });

  it('passes a clone URL with spaces and quotes as one argument', () => {
    const cloneUrl = "https://git.example/it's a repo/widget.git";
    const plan = compilePlan({ test: [step('unit')] }, { ...REQUEST, cloneUrl }, OPTIONS);
    const result = runScript(plan.checkout.script, { PATH: `${bin}:${process.env.PATH ?? ''}` });
    expect(result.stdout).toContain(`[clone][--quiet][--no-checkout][${cloneUrl}][${WORKSPACE}]`);
  });

  it("clones without a URL's credentials, and scopes its credential helper to the URL's own origin", () => {
    const cloneUrl = 'https://mirror-user:s3cr%40t@mirror.example:8443/acme/shop.git';
    const plan = compilePlan({ test: [step('unit')] }, { ...REQUEST, cloneUrl }, OPTIONS);
    expect(plan.checkout.script).not.toMatch(/s3cr|mirror-user/);
    expect(plan.checkout.secrets).toEqual(['slipway-clone-credentials']);
    const result = runScript(plan.checkout.script, { PATH: `${bin}:${process.env.PATH ?? ''}` });
    const clone = result.stdout.split('\n').find((l) => l.includes('[clone]'))!;
    const helper = 'credential.https://mirror.example:8443.helper=';
    expect(clone).toBe(
      `[-c][${helper}!f() { [ "$1" = get ] || exit 0; cat /run/secrets/slipway-clone-credentials; }; f]` +
        `[clone][--quiet][--no-checkout][https://mirror.example:8443/acme/shop.git][${WORKSPACE}]`,
    );
    expect(clone).toContain(`[https://mirror.example:8443/acme/shop.git][${WORKSPACE}]`);
    // The helper answers `get` with the secret's file, and nothing else (store, erase).
    const fn = clone.slice(clone.indexOf(helper) + helper.length + 1, clone.indexOf('][clone]'));
    const dir = mkdtempSync(join(tmpdir(), 'slipway-helper-'));
    try {
      const file = join(dir, 'answer');
      writeFileSync(file, 'username=mirror-user\npassword=s3cr@t\n');
      const run = (op: string) => runScript(`${fn.replace('/run/secrets/slipway-clone-credentials', file)} ${op}`);
      expect(run('get').stdout).toBe('username=mirror-user\npassword=s3cr@t\n');
      expect(run('store').stdout).toBe('');
      expect(run('erase').stdout).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives git:// clones no credential helper, and a token only to its own https origin', () => {
    const git = compilePlan(
      { test: [step('unit')] },
      { ...REQUEST, cloneUrl: 'git://mirror/acme/shop.git' },
      {
        ...OPTIONS,
        gitCredentials: true,
      },
    );
    expect(git.checkout.script).not.toContain('credential.');
    const https = compilePlan(
      { test: [step('unit')] },
      { ...REQUEST, cloneUrl: 'https://github.com/acme/shop.git' },
      {
        ...OPTIONS,
        gitCredentials: true,
      },
    );
    expect(https.checkout.secrets).toEqual(['slipway-git-token']);
    expect(https.checkout.script).toContain('\'credential.https://github.com.helper=!f() { [ "$1" = get ] || exit 0;');
  });

  it('fails the checkout when git fails, without running the later commands', () => {
    const failing = mkdtempSync(join(tmpdir(), 'slipway-failing-git-'));
    try {
      writeFileSync(join(failing, 'git'), '#!/bin/sh\necho "fatal: repository not found" >&2\nexit 128\n');
      chmodSync(join(failing, 'git'), 0o755);
      const plan = compilePlan({ test: [step('unit')] }, REQUEST, OPTIONS);
      const result = runScript(plan.checkout.script, { PATH: `${failing}:${process.env.PATH ?? ''}` });
      expect(result.status).toBe(128);
      expect(result.stderr).toBe('fatal: repository not found\n');
      expect(result.stdout).not.toContain('checkout --quiet');
    } finally {
      rmSync(failing, { recursive: true, force: true });
    }
  });
});

describe('buildIdFor', () => {
  it('is deterministic and differs between requests', () => {
    expect(buildIdFor(REQUEST.id)).toBe(buildIdFor(REQUEST.id));
    expect(buildIdFor('delivery-1')).not.toBe(buildIdFor('delivery-2'));
  });

  it.each(['123456', 'a:b:c', '72d3162e-cc78-11e3-81ab-4c9367dc0958', ''])(
    'is a safe BullMQ job id and Swarm name part for %j: no ":", not all digits, lower-case alphanumeric',
    (id) => {
      const buildId = buildIdFor(id);
      expect(buildId).not.toContain(':');
      expect(buildId).not.toMatch(/^\d+$/);
      expect(buildId).toMatch(/^[a-z][a-z0-9]+$/);
    },
  );
});

describe('serviceName', () => {
  const buildId = buildIdFor(REQUEST.id);
  const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

  it('is slw-<build>-<step>-<attempt> for a short key', () => {
    expect(serviceName(buildId, 'unit', 1)).toBe(`slw-${buildId}-unit-1`);
    expect(serviceName(buildId, 'unit', 1)).toBe(serviceName(buildId, 'unit', 1));
    expect(serviceName(buildId, 'unit', 2)).not.toBe(serviceName(buildId, 'unit', 1));
  });

  it('stays a valid DNS label of at most 63 characters for a 200-character step name', () => {
    const name = 'Run the complete integration test suite against every supported database '.repeat(3).slice(0, 200);
    expect(name).toHaveLength(200);
    const plan = compilePlan({ test: [step(name)] }, REQUEST, OPTIONS);
    const key = plan.stages[0]!.steps[0]!.key;
    for (const attempt of [1, 9, 10, 12345]) {
      const service = serviceName(plan.buildId, key, attempt);
      expect(service.length).toBeLessThanOrEqual(63);
      expect(service).toMatch(DNS_LABEL);
      expect(service.startsWith(`slw-${plan.buildId}-run-the-complete`)).toBe(true);
      expect(service.endsWith(`-${attempt}`)).toBe(true);
    }
  });

  it('keeps long names that share a long prefix apart', () => {
    const prefix = 'integration-tests-for-the-payment-service-with-a-long-name-';
    const plan = compilePlan(
      { e2e: [step(`${prefix}postgres`), step(`${prefix}mysql`), step(`${prefix}sqlite`)] },
      REQUEST,
      OPTIONS,
    );
    const services = plan.stages[0]!.steps.map((s) => serviceName(plan.buildId, s.key, 1));
    expect(new Set(services).size).toBe(3);
    for (const service of services) {
      expect(service.length).toBeLessThanOrEqual(63);
      expect(service).toMatch(DNS_LABEL);
    }
    // The same inputs give the same name: a restarted executor finds its service again.
    expect(plan.stages[0]!.steps.map((s) => serviceName(plan.buildId, s.key, 1))).toEqual(services);
  });

  it('never ends the truncated part with a double dash', () => {
    // A key whose cut falls right after a dash.
    const key = `${'a'.repeat(36)}-${'b'.repeat(40)}`;
    const service = serviceName(buildId, key, 1);
    expect(service).not.toContain('--');
    expect(service).toMatch(DNS_LABEL);
  });

  it('buildObjectNames gives a network and a volume named after the build', () => {
    expect(buildObjectNames('b123')).toEqual({ network: 'slw-b123-net', volume: 'slw-b123-ws' });
  });
});
