import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { commandTable } from '../../../services/cli/commands.js';
import { ROOT } from '../core/support.js';
import { runSlipway } from '../../support/run-slipway.js';

/** Where this file's `slipway login` stores tokens: never the person's own file. */
const CREDENTIALS = join(mkdtempSync(join(tmpdir(), 'slipway-cli-home-')), 'credentials.json');

/** One `slipway …` command line run in this process, with what it printed and its exit code. */
async function slipway(args: string[], env: NodeJS.ProcessEnv = {}, stdin?: NodeJS.ReadableStream) {
  return runSlipway(args, { SLIPWAY_LOG: 'silent', SLIPWAY_CREDENTIALS: CREDENTIALS, ...env }, stdin);
}

const NAMES = commandTable().map((c) => c.name);

describe('help', () => {
  it.each([[[]], [['--help']], [['-h']], [['help']]])('slipway %p lists every command and exits 0', async (args) => {
    const { code, stdout, stderr } = await slipway(args);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    for (const name of NAMES) expect(stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    expect(stdout).toContain('Exit status: 0 success · 1 failure');
    expect(stdout).toContain('2 usage error');
  });

  it.each(NAMES)('explains %s the same way through help, --help and -h, with an example', async (name) => {
    const answers = await Promise.all([slipway(['help', name]), slipway([name, '--help']), slipway([name, '-h'])]);
    for (const answer of answers) expect(answer).toEqual({ code: 0, stdout: answers[0]!.stdout, stderr: '' });
    const text = answers[0]!.stdout;
    expect(text).toMatch(new RegExp(`^usage: slipway ${name}\\b`));
    const examples = text.split('Examples:\n')[1]!.split('\n\n')[0]!.split('\n');
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(example).toMatch(new RegExp(`^  (\\w+=\\S+ )*slipway ${name}\\b`));
    expect(text).toMatch(/^Exit status: .*0.*·.*2 usage error\b.*\.$/m);
    expect(text).toContain('-h, --help');
  });

  it('prints help even when the arguments the command needs are missing', async () => {
    expect(await slipway(['trigger', '--help'])).toMatchObject({ code: 0, stdout: /^usage: slipway trigger / });
  });

  it('says which version it is', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await slipway(['--version'])).toEqual({ code: 0, stdout: `slipway ${version}\n`, stderr: '' });
  });
});

describe('usage errors exit 2 and say what is wrong', () => {
  it('names an unknown command and suggests the one that was meant', async () => {
    expect(await slipway(['valdate'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "slipway: unknown command 'valdate' (did you mean 'validate'?)\n" +
        "Run 'slipway --help' for the list of commands.\n",
    });
    expect(await slipway(['help', 'trigers'])).toMatchObject({
      code: 2,
      stderr: /unknown command 'trigers' \(did you mean 'trigger'\?\)/,
    });
  });

  it('names an unknown flag, with the usage of the command', async () => {
    expect(await slipway(['validate', '--strict', 'x.yml'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "slipway validate: unknown option '--strict'\n" +
        'usage: slipway validate [FILE]\n' +
        "Run 'slipway help validate' for more.\n",
    });
    expect(await slipway(['trigger', 'o/r', 'abc', '--parm=A=1'])).toMatchObject({
      code: 2,
      stderr: /^slipway trigger: unknown option '--parm' \(did you mean '--param'\?\)\n/,
    });
    expect(await slipway(['cancel', 'b1', '-x'])).toMatchObject({ code: 2, stderr: /unknown option '-x'/ });
    expect(await slipway(['--verbose', 'validate'])).toMatchObject({ code: 2, stderr: /unknown option '--verbose'/ });
  });

  it('refuses missing and extra arguments, and an option without its value', async () => {
    expect(await slipway(['trigger', 'o/r'])).toMatchObject({ code: 2, stderr: /^slipway trigger: missing REF\n/ });
    expect(await slipway(['validate', 'a.yml', 'b.yml'])).toMatchObject({
      code: 2,
      stderr: /^slipway validate: unexpected argument 'b.yml'\n/,
    });
    expect(await slipway(['trigger', 'o/r', 'abc', '--param'])).toMatchObject({
      code: 2,
      stderr: /'-p, --param <value>' argument missing/,
    });
    expect(await slipway(['validate', '--help=yes'])).toMatchObject({ code: 2, stderr: /does not take an argument/ });
  });
});

describe('the API commands', () => {
  let server: Server;
  let url: string;
  let requests: Array<{ method?: string; path?: string; headers: IncomingHttpHeaders; body: unknown }>;
  let answer: { status: number; body: string };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        requests.push({ method: req.method, path: req.url, headers: req.headers, body: JSON.parse(text || 'null') });
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    requests = [];
    answer = { status: 202, body: '{"accepted":true,"build":"b0123456789a"}' };
  });
  const env = () => ({ SLIPWAY_URL: url, SLIPWAY_API_TOKEN: 'api-token' });

  it('triggers a branch or a commit with repeated parameters and secret parameters, through API v1', async () => {
    const inline = await slipway(
      ['trigger', 'octo-org/widget', 'main', '-p', 'A=1', '--param=B=x=y', '-s', 'KEY', '--secret=PIN=42'],
      { ...env(), KEY: 'from-env' },
    );
    const spaced = await slipway(
      [
        'trigger',
        'octo-org/widget',
        'main',
        '--param',
        'A=1',
        '-p',
        'B=x=y',
        '--secret',
        'KEY=from-env',
        '-s',
        'PIN=42',
      ],
      env(),
    );
    expect(inline).toEqual({
      code: 0,
      stdout: 'build b0123456789a queued for octo-org/widget main: slipway show b0123456789a\n',
      stderr: '',
    });
    expect(spaced).toEqual(inline);
    expect(requests).toHaveLength(2);
    for (const request of requests) {
      expect(request).toMatchObject({
        method: 'POST',
        path: '/api/v1/builds',
        headers: { authorization: 'Bearer api-token', 'content-type': 'application/json' },
        body: {
          repo: 'octo-org/widget',
          ref: 'main',
          params: { A: '1', B: 'x=y' },
          secret_params: { KEY: 'from-env', PIN: '42' },
        },
      });
    }
    expect(await slipway(['trigger', 'octo-org/widget', 'main', '--json'], env())).toEqual({
      code: 0,
      stdout: '{\n  "accepted": true,\n  "build": "b0123456789a"\n}\n',
      stderr: '',
    });
  });

  it('sends only what was given', async () => {
    await slipway(['trigger', 'octo-org/widget', 'abc123'], { SLIPWAY_URL: url });
    expect(requests).toEqual([expect.objectContaining({ body: { repo: 'octo-org/widget', ref: 'abc123' } })]);
    expect(requests[0]!.headers).not.toHaveProperty('authorization');
  });

  it("approves, rejects and cancels as the token's owner, exits 1 with the API's reason", async () => {
    answer = { status: 200, body: '{"ok":true}' };
    expect(await slipway(['approve', 'b0123456789a', '--environment', 'production'], env())).toEqual({
      code: 0,
      stdout: 'approval of b0123456789a recorded\n',
      stderr: '',
    });
    expect(await slipway(['reject', 'b0123456789a'], env())).toMatchObject({ code: 0 });
    answer = { status: 409, body: '{"error":"conflict","message":"build b0123456789a is already over (success)"}' };
    expect(await slipway(['cancel', 'b0123456789a'], env())).toEqual({
      code: 1,
      stdout: '',
      stderr: 'slipway: 409 conflict: build b0123456789a is already over (success)\n',
    });
    answer = { status: 401, body: '{"error":"unauthorized","message":"a token is required"}' };
    expect(await slipway(['cancel', 'b0123456789a'], env())).toMatchObject({
      code: 1,
      stderr: /^slipway: 401 unauthorized: a token is required \(set SLIPWAY_API_TOKEN or run 'slipway login'/,
    });
    expect(requests.map((r) => [r.path, r.body])).toEqual([
      ['/api/v1/builds/b0123456789a/approve', { environment: 'production' }],
      ['/api/v1/builds/b0123456789a/reject', {}],
      ['/api/v1/builds/b0123456789a/cancel', {}],
      ['/api/v1/builds/b0123456789a/cancel', {}],
    ]);
  });

  it("passes or fails a manual test as the token's owner, with a reason; anything else is a usage error", async () => {
    answer = { status: 202, body: '{"build":"b0123456789a","decision":"fail","by":"tess"}' };
    expect(await slipway(['gate', 'b0123456789a', 'pass'], env())).toEqual({
      code: 0,
      stdout: 'pass of the manual test of b0123456789a recorded\n',
      stderr: '',
    });
    expect(await slipway(['gate', 'b0123456789a', 'fail', '-r', 'the total is wrong'], env())).toMatchObject({
      code: 0,
    });
    expect(await slipway(['gate', 'b0123456789a', 'maybe'], env())).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("the decision is pass or fail, not 'maybe'"),
    });
    answer = { status: 409, body: '{"error":"conflict","message":"build b0123456789a is not held for a manual test"}' };
    expect(await slipway(['gate', 'b0123456789a', 'pass'], env())).toEqual({
      code: 1,
      stdout: '',
      stderr: 'slipway: 409 conflict: build b0123456789a is not held for a manual test\n',
    });
    expect(requests.map((r) => [r.path, r.body])).toEqual([
      ['/api/v1/builds/b0123456789a/gate', { decision: 'pass', via: 'cli' }],
      ['/api/v1/builds/b0123456789a/gate', { decision: 'fail', via: 'cli', reason: 'the total is wrong' }],
      ['/api/v1/builds/b0123456789a/gate', { decision: 'pass', via: 'cli' }],
    ]);
  });

  it('re-runs a whole build, or only its failed steps (of a stage)', async () => {
    answer = { status: 202, body: '{"buildId":"b00000000002"}' };
    expect(await slipway(['rerun', 'b00000000001'], env())).toEqual({
      code: 0,
      stdout: 're-run of b00000000001 queued as b00000000002: slipway logs b00000000002 STEP -f\n',
      stderr: '',
    });
    await slipway(['rerun', 'b00000000001', '--failed'], env());
    await slipway(['rerun', 'b00000000001', '--failed', '--stage', 'e2e'], env());
    expect(await slipway(['rerun', 'b00000000001', '--stage', 'e2e'], env())).toMatchObject({
      code: 2,
      stderr: /--stage goes with --failed/,
    });
    expect(requests.map((r) => [r.path, r.body])).toEqual([
      ['/api/v1/builds/b00000000001/rerun', {}],
      ['/api/v1/builds/b00000000001/rerun', { failed_only: true }],
      ['/api/v1/builds/b00000000001/rerun', { failed_only: true, stage: 'e2e' }],
    ]);
  });

  it('sends nothing when the command line is wrong', async () => {
    expect(await slipway(['trigger', 'o/r', 'main', '-p', 'NOVALUE'], env())).toMatchObject({
      code: 2,
      stderr: /^slipway trigger: --param takes NAME=VALUE, not 'NOVALUE'\nusage: slipway trigger /,
    });
    expect(await slipway(['trigger', 'o/r', 'main', '-s', 'UNSET_SECRET_X'], env())).toMatchObject({
      code: 2,
      stderr: /--secret UNSET_SECRET_X: the environment variable UNSET_SECRET_X is not set/,
    });
    expect(await slipway(['trigger', 'not-a-repo', 'main'], env())).toMatchObject({
      code: 2,
      stderr: /OWNER\/REPO is owner\/name, not 'not-a-repo'/,
    });
    expect(await slipway(['builds', '--limit', 'many'], env())).toMatchObject({ code: 2, stderr: /--limit/ });
    expect(await slipway(['logs', 'b0123456789a', '-f'], env())).toMatchObject({ code: 2, stderr: /name STEP/ });
    // --as is gone: the token says who acts, and the error says how to get one.
    for (const command of [
      ['approve', 'b0123456789a', '--as', 'octocat'],
      ['trigger', 'o/r', 'main', '--as=x'],
    ]) {
      expect(await slipway(command, env())).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/--as is no longer accepted: .*personal token at <slipway>\/settings\/tokens/),
      });
    }
    expect(requests).toEqual([]);
  });

  it('says where it tried when no Slipway answers, and exits 1', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { code, stderr } = await slipway(['cancel', 'b0123456789a'], { SLIPWAY_URL: `http://127.0.0.1:${port}` });
    expect(code).toBe(1);
    expect(stderr).toBe(
      `slipway: cannot reach Slipway at http://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}): ` +
        'is it running, and does SLIPWAY_URL say where?\n',
    );
  });
});

describe('the spec commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-cli-'));
  const valid = join(dir, 'valid.yml');
  const invalid = join(dir, 'invalid.yml');
  writeFileSync(valid, 'test:\n  - {name: unit, image: slipway/busybox:1, commands: [echo ok]}\n');
  writeFileSync(invalid, 'test:\n  - name: unit\n    image: slipway/busybox:1\n    comands: [true]\n');

  it('validate: 0 for a valid spec, 1 with every problem for an invalid one', async () => {
    expect(await slipway(['validate', valid])).toEqual({ code: 0, stdout: `${valid} is valid\n`, stderr: '' });
    expect(await slipway(['validate', invalid])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `${invalid}:2:5 /test/0: missing required key "commands" or "script"\n` +
        `${invalid}:4:5 /test/0/comands: unknown key "comands" (did you mean "commands"?)\n` +
        `2 problem(s) in ${invalid}\n`,
    });
  });

  it('plan: the plan as JSON', async () => {
    const { code, stdout } = await slipway(['plan', valid]);
    expect(code).toBe(0);
    const plan = JSON.parse(stdout) as { stages: Array<{ steps: Array<{ key: string; image: string }> }> };
    expect(plan.stages.flatMap((s) => s.steps.map((st) => [st.key, st.image]))).toEqual([
      ['unit', 'slipway/busybox:1'],
    ]);
  });

  it.each(['validate', 'plan', 'run'])('%s: a file that cannot be read is a failure said in one line', async (name) => {
    expect(await slipway([name, join(dir, 'missing.yml')])).toEqual({
      code: 1,
      stdout: '',
      stderr: `slipway: cannot read ${join(dir, 'missing.yml')}: no such file\n`,
    });
    expect(await slipway([name, dir])).toMatchObject({
      code: 1,
      stderr: `slipway: cannot read ${dir}: it is a folder\n`,
    });
  });
});
