import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { runSlipway } from '../../support/run-slipway.js';

/**
 * The read commands against a small fake of contract C's paths (the real API is tested with
 * the CLI in test/integration/cli-logs.test.ts): what they ask, and what a person sees.
 */
const home = mkdtempSync(join(tmpdir(), 'slipway-cli-reads-'));
const CREDENTIALS = join(home, 'slipway', 'credentials.json');

async function slipway(args: string[], env: NodeJS.ProcessEnv = {}, stdin?: NodeJS.ReadableStream) {
  return runSlipway(args, { SLIPWAY_CREDENTIALS: CREDENTIALS, ...env }, stdin);
}

const BUILD = {
  id: 'b0000000000a',
  repo: 'octo-org/widget',
  branch: 'main',
  ref: 'refs/heads/main',
  sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
  state: 'failure',
  trigger: 'push',
  sender: 'octocat',
  createdAt: '2026-12-02T07:00:00.000Z',
  startedAt: '2026-12-02T07:00:01.000Z',
  finishedAt: '2026-12-02T07:01:06.000Z',
};
const FULL = {
  ...BUILD,
  checkout: { key: 'checkout', name: 'checkout', state: 'success', attempt: 1 },
  stages: [
    {
      name: 'test',
      state: 'failure',
      steps: [
        {
          key: 'unit',
          name: 'unit',
          state: 'failure',
          exitCode: 3,
          attempt: 1,
          startedAt: BUILD.startedAt,
          finishedAt: BUILD.finishedAt,
        },
        { key: 'lint', name: 'lint', state: 'success', exitCode: 0, attempt: 2, reason: 'No such image, tried again' },
      ],
    },
  ],
};

const AT = '2026-12-02T10:00:00.000Z';

describe('the read commands', () => {
  let server: Server;
  let url: string;
  let seen: Array<{ path: string; auth?: string; lastEventId?: string }>;
  let streams = 0;

  const json = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  /** Lines 1–6 of unit's log; the first connection drops after line 3, the next resumes (resending line 3 too). */
  function logStream(req: IncomingMessage, res: ServerResponse) {
    streams++;
    const after = Number(req.headers['last-event-id'] ?? 0);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': slipway\n\n');
    const from = after > 0 ? after : 1; // resends line `after` once: the CLI must skip it
    for (let n = from; n <= 6; n++) {
      res.write(`id: ${n}\ndata: ${JSON.stringify({ n, text: `line ${n}`, stream: 'stdout' })}\n\n`);
      // Cut once the lines are out (not in the same tick, which could drop them unread).
      if (streams === 1 && n === 3) return void setTimeout(() => res.socket?.destroy(), 300);
      if (n === 4) res.write(': heartbeat\n\n');
    }
    res.end('event: end\ndata: {"state":"failure"}\n\n');
  }

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '';
      seen.push({
        path,
        ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
        ...(req.headers['last-event-id'] ? { lastEventId: String(req.headers['last-event-id']) } : {}),
      });
      if (req.headers.authorization === 'Bearer wrong')
        return json(res, 401, { error: 'unauthorized', message: 'bad token' });
      if (/^\/api\/v1\/builds(\?|$)/.test(path)) return json(res, 200, { builds: [BUILD], next_cursor: 'c2' });
      if (path === '/api/v1/builds/b0000000000a') return json(res, 200, FULL);
      if (path === '/api/v1/builds/nope') return json(res, 404, { error: 'not_found', message: 'no build nope' });
      if (path === '/api/v1/builds/b0000000000a/steps/unit/log/stream') return logStream(req, res);
      if (path.startsWith('/api/v1/builds/b0000000000a/steps/')) {
        const step = path.split('/')[6]!;
        return res.writeHead(200, { 'content-type': 'text/plain' }).end(`${step} says hi\n`);
      }
      if (path === '/api/v1/status')
        return json(res, 200, {
          queues: [{ queue: 'builds', waiting: 2, active: 1, delayed: 0, failed: 0, oldestWaitingMs: 65_000 }],
          executors: [
            {
              id: 'executor-1',
              hostname: 'node-1',
              concurrency: 4,
              builds: ['b0000000000a'],
              otherBuilds: 1,
              seenAt: AT,
            },
            { id: 'executor-2', hostname: 'node-2', concurrency: 4, builds: [], otherBuilds: 0, seenAt: AT },
          ],
          nodes: [
            {
              id: 'abcdef1234567890',
              hostname: 'node-1',
              role: 'manager',
              state: 'ready',
              availability: 'active',
              labels: { pool: 'gpu', zone: 'a' },
            },
          ],
          provisionedNodes: [
            {
              id: 'pr-1',
              provisioner: 'gpus',
              labels: { pool: 'gpu' },
              state: 'removed',
              reason: 'step test of build b0000000000a asked for pool=gpu',
              buildId: 'b0000000000a',
              node: 'gpu-1',
              requestedAt: AT,
              joinedAt: AT,
              endedAt: AT,
              ranForSeconds: 125,
            },
          ],
          at: AT,
        });
      json(res, 404, { error: 'not_found', message: `no ${path}` });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen = [];
    streams = 0;
  });
  const env = () => ({ SLIPWAY_URL: url, SLIPWAY_API_TOKEN: 'slw_token' });

  it('builds: filters as query parameters, a table for people, the next page named, --json as is', async () => {
    const people = await slipway(['builds', '--repo', 'octo-org/widget', '--state', 'failure', '--limit', '5'], env());
    expect(people.code).toBe(0);
    expect(people.stdout.split('\n')).toEqual([
      'BUILD         STATE    REPOSITORY       BRANCH/PR  COMMIT   TRIGGER  BY       TOOK',
      'b0000000000a  failure  octo-org/widget  main       6113728  push     octocat  1m 05s',
      'more: add --cursor c2',
      '',
    ]);
    expect(seen[0]).toEqual({
      path: '/api/v1/builds?repo=octo-org%2Fwidget&state=failure&limit=5',
      auth: 'Bearer slw_token',
    });
    const scripted = await slipway(['builds', '--cursor', 'c2', '--json'], env());
    expect(JSON.parse(scripted.stdout)).toEqual({ builds: [BUILD], next_cursor: 'c2' });
    expect(seen[1]!.path).toBe('/api/v1/builds?cursor=c2');
  });

  it('show: the build and each step with state, exit code, attempt, time and why; 404 says so', async () => {
    const { code, stdout } = await slipway(['show', 'b0000000000a'], env());
    expect(code).toBe(0);
    expect(stdout).toContain(
      'build b0000000000a  failure\n  octo-org/widget main at 6113728f27ae82c7b1a177c8d03f9e96e0adf246\n',
    );
    expect(stdout).toMatch(/^test\s+unit\s+failure\s+3\s+1\s+1m 05s$/m);
    expect(stdout).toMatch(/^test\s+lint\s+success\s+0\s+2\s+No such image, tried again$/m);
    expect(await slipway(['show', 'nope'], env())).toEqual({
      code: 1,
      stdout: '',
      stderr: 'slipway: 404 not_found: no build nope\n',
    });
  });

  it('logs: one step, or every step in order under a heading', async () => {
    expect(await slipway(['logs', 'b0000000000a', 'unit'], env())).toEqual({
      code: 0,
      stdout: 'unit says hi\n',
      stderr: '',
    });
    const all = await slipway(['logs', 'b0000000000a'], env());
    expect(all.stdout).toBe(
      '== checkout (success)\ncheckout says hi\n== unit (failure)\nunit says hi\n== lint (success)\nlint says hi\n',
    );
  });

  it('logs -f: follows, resumes after a dropped connection with Last-Event-ID, each line once', async () => {
    const { code, stdout, stderr } = await slipway(['logs', 'b0000000000a', 'unit', '-f'], env());
    expect(stdout).toBe('line 1\nline 2\nline 3\nline 4\nline 5\nline 6\n');
    expect(stderr).toBe('-- unit ended: failure\n');
    // The step failed: so does the command, for scripts that wait on it.
    expect(code).toBe(1);
    const streamed = seen.filter((s) => s.path.endsWith('/log/stream'));
    expect(streamed).toEqual([
      { path: '/api/v1/builds/b0000000000a/steps/unit/log/stream', auth: 'Bearer slw_token' },
      { path: '/api/v1/builds/b0000000000a/steps/unit/log/stream', auth: 'Bearer slw_token', lastEventId: '3' },
    ]);
  });

  it('status: queues, executors and their builds, nodes', async () => {
    const { code, stdout } = await slipway(['status'], env());
    expect(code).toBe(0);
    expect(stdout).toMatch(/^builds\s+2\s+1\s+0\s+0\s+1m 05s$/m);
    expect(stdout).toMatch(/^executor-1\s+2\/4\s+b0000000000a \(\+1 you may not read\)$/m);
    expect(stdout).toMatch(/^executor-2\s+0\/4\s+\(idle\)$/m);
    expect(stdout).toMatch(/^abcdef123456\s+node-1\s+manager\s+ready\s+active\s+pool=gpu,zone=a$/m);
    expect(stdout).toMatch(/^gpu-1\s+gpus\s+pool=gpu\s+removed\s+2m 05s\s+step test of build b0000000000a asked/m);
  });

  it('login: checks the token, stores it 0600 for the URL, and the commands use it', async () => {
    const refused = await slipway(['login'], { SLIPWAY_URL: url }, Readable.from(['wrong\n']));
    expect(refused).toMatchObject({ code: 1, stderr: /401 unauthorized: bad token/ });
    expect(() => statSync(CREDENTIALS)).toThrow();

    const stored = await slipway(['login'], { SLIPWAY_URL: `${url}/` }, Readable.from(['slw_stored_secret\n']));
    expect(stored).toEqual({
      code: 0,
      stdout: `token stored for ${url} in ${CREDENTIALS}\n`,
      stderr: '',
    });
    expect(statSync(CREDENTIALS).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(CREDENTIALS, 'utf8'))).toEqual({ tokens: { [url]: 'slw_stored_secret' } });

    seen = [];
    expect((await slipway(['builds'], { SLIPWAY_URL: url })).code).toBe(0);
    expect(seen[0]!.auth).toBe('Bearer slw_stored_secret');
    // SLIPWAY_API_TOKEN still wins.
    await slipway(['builds'], { SLIPWAY_URL: url, SLIPWAY_API_TOKEN: 'slw_env' });
    expect(seen[1]!.auth).toBe('Bearer slw_env');
  });
});
