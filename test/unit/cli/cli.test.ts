import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { commandTable } from '../../../services/cli/commands.js';
import { runCli } from '../../../services/cli/run-cli.js';
import { ROOT } from '../core/support.js';

/** One `slipway …` command line run in this process, with what it printed and its exit code. */
async function slipway(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (chunks: string[]) =>
    new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    });
  const code = await runCli(args, { env: { SLIPWAY_LOG: 'silent', ...env }, stdout: sink(out), stderr: sink(err) });
  return { code, stdout: out.join(''), stderr: err.join('') };
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
    expect(await slipway(['trigger', 'o/r', 'abc', '--rev=main'])).toMatchObject({
      code: 2,
      stderr: /^slipway trigger: unknown option '--rev' \(did you mean '--ref'\?\)\n/,
    });
    expect(await slipway(['cancel', 'b1', '-x'])).toMatchObject({ code: 2, stderr: /unknown option '-x'/ });
    expect(await slipway(['--verbose', 'validate'])).toMatchObject({ code: 2, stderr: /unknown option '--verbose'/ });
  });

  it('refuses missing and extra arguments, and an option without its value', async () => {
    expect(await slipway(['trigger', 'o/r'])).toMatchObject({ code: 2, stderr: /^slipway trigger: missing SHA\n/ });
    expect(await slipway(['validate', 'a.yml', 'b.yml'])).toMatchObject({
      code: 2,
      stderr: /^slipway validate: unexpected argument 'b.yml'\n/,
    });
    expect(await slipway(['trigger', 'o/r', 'abc', '--ref'])).toMatchObject({
      code: 2,
      stderr: /'--ref <value>' argument missing/,
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

  it('triggers a build with --ref=BRANCH or --ref BRANCH alike, and repeated parameters', async () => {
    const inline = await slipway(
      ['trigger', 'octo-org/widget', 'abc123', '--ref=main', '-p', 'A=1', '--param=B=x=y'],
      env(),
    );
    const spaced = await slipway(
      ['trigger', 'octo-org/widget', 'abc123', '--ref', 'main', '--param', 'A=1', '-p', 'B=x=y'],
      env(),
    );
    expect(inline).toEqual({ code: 0, stdout: '202 {"accepted":true,"build":"b0123456789a"}\n', stderr: '' });
    expect(spaced).toEqual(inline);
    expect(requests).toHaveLength(2);
    for (const request of requests) {
      expect(request).toMatchObject({
        method: 'POST',
        path: '/builds',
        headers: { authorization: 'Bearer api-token', 'content-type': 'application/json' },
        body: { repo: 'octo-org/widget', sha: 'abc123', ref: 'main', params: { A: '1', B: 'x=y' } },
      });
    }
  });

  it('sends only what was given', async () => {
    await slipway(['trigger', 'octo-org/widget', 'abc123'], { SLIPWAY_URL: url });
    expect(requests).toEqual([expect.objectContaining({ body: { repo: 'octo-org/widget', sha: 'abc123' } })]);
    expect(requests[0]!.headers).not.toHaveProperty('authorization');
  });

  it("approves, rejects and cancels as the token's owner, and exits 1 when the API refuses", async () => {
    expect(await slipway(['approve', 'b0123456789a'], env())).toMatchObject({ code: 0 });
    expect(await slipway(['reject', 'b0123456789a'], env())).toMatchObject({ code: 0 });
    answer = { status: 409, body: '{"error":"build b0123456789a is already over (success)"}' };
    expect(await slipway(['cancel', 'b0123456789a'], env())).toEqual({
      code: 1,
      stdout: '409 {"error":"build b0123456789a is already over (success)"}\n',
      stderr: '',
    });
    expect(requests.map((r) => [r.path, r.body])).toEqual([
      ['/builds/b0123456789a/approve', {}],
      ['/builds/b0123456789a/reject', {}],
      ['/builds/b0123456789a/cancel', {}],
    ]);
  });

  it('sends nothing when the command line is wrong', async () => {
    expect(await slipway(['trigger', 'o/r', 'abc', '-p', 'NOVALUE'], env())).toMatchObject({
      code: 2,
      stderr: /^slipway trigger: --param takes NAME=VALUE, not 'NOVALUE'\nusage: slipway trigger /,
    });
    // --as is gone: the token says who acts, and the error says how to get one.
    for (const command of [
      ['approve', 'b0123456789a', '--as', 'octocat'],
      ['trigger', 'o/r', 'abc', '--as=x'],
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
