import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { acceptReport } from '../../../services/core/provision/accept-report.js';
import { bootstrapScript, type BootstrapInput } from '../../../services/core/provision/bootstrap-script.js';

/**
 * The bootstrap script is run for real by /bin/sh, with `docker`, `curl` and `apt-get`
 * replaced by stubs that record what they were asked: hostile labels, ids and tokens must
 * arrive as data, never run as code.
 */

const TOKEN = 'SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx';
const NODE_ID = 'x9k8atbfcr8p2is99znpy26u2';

let dir: string;
let pwned: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-bootstrap-'));
  pwned = join(dir, 'pwned');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function input(extra: Partial<BootstrapInput> = {}): BootstrapInput {
  return {
    joinToken: TOKEN,
    managerAddress: '10.231.5.1:2377',
    labels: { pool: 'gpu', 'slipway.provisioner': 'local' },
    callbackUrl: 'http://10.231.5.1:8080/provision/callback',
    callbackToken: 'c0ffee-token',
    requestId: 'prov-1',
    ...extra,
  };
}

/** The only programs the script finds besides the stubs: never the machine's own docker. */
const TOOLS = ['sh', 'cat', 'cp', 'cut', 'mkdir', 'sleep', 'touch', 'tr', 'nohup'];

/**
 * Stubs, first on a PATH of their own: `docker` joins once (state in a file) and fails the join
 * if JOIN_FAILS is set; `curl` records its request; `apt-get` "installs" docker.
 */
function stubs(withDocker = true): string {
  const bin = join(dir, 'bin');
  const later = join(dir, 'later');
  const tools = join(dir, 'tools');
  for (const d of [bin, later, tools]) mkdirSync(d);
  for (const tool of TOOLS) {
    const found = ['/usr/bin/', '/bin/'].map((p) => p + tool).find((p) => existsSync(p));
    if (found) symlinkSync(found, join(tools, tool));
  }
  const docker = `#!/bin/sh
state=${dir}/joined
case "$1 $2" in
  "info ") exit 0 ;;
  "info --format")
    case "$3" in
      *LocalNodeState*) [ -f "$state" ] && echo active || echo inactive ;;
      *NodeID*) [ -f "$state" ] && echo ${NODE_ID} || echo ;;
    esac ;;
  "swarm join")
    for a in "$@"; do printf '%s\\n' "$a"; done >${dir}/join.args
    [ -z "\${JOIN_FAILS:-}" ] || { echo 'Error response from daemon: rpc error: connection refused' >&2; exit 1; }
    touch "$state" ;;
esac
`;
  writeFileSync(join(later, 'docker'), docker);
  chmodSync(join(later, 'docker'), 0o755);
  if (withDocker) copyFileSync(join(later, 'docker'), join(bin, 'docker'));
  writeFileSync(
    join(bin, 'curl'),
    `#!/bin/sh
n=0; [ -f ${dir}/curl.0 ] && n=1
for a in "$@"; do printf '%s\\n' "$a"; done >${dir}/curl.$n
`,
  );
  writeFileSync(
    join(bin, 'apt-get'),
    `#!/bin/sh
printf '%s\\n' "$*" >>${dir}/apt.log
[ "$1" = install ] || [ "$2" = install ] || [ "$3" = install ] || exit 0
cp ${later}/docker ${bin}/docker
`,
  );
  for (const name of ['curl', 'apt-get']) chmodSync(join(bin, name), 0o755);
  return `${bin}:${join(dir, 'tools')}`;
}

function run(script: string, path: string, env: Record<string, string> = {}) {
  const file = join(dir, 'bootstrap.sh');
  writeFileSync(file, script);
  return spawnSync('/bin/sh', [file], {
    env: { PATH: path, PWN: pwned, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

/** The body curl was given (`--data-binary BODY`) and its headers. */
function request(n = 0): { body: unknown; headers: string[]; url: string } {
  const args = readFileSync(join(dir, `curl.${n}`), 'utf8')
    .split('\n')
    .slice(0, -1);
  const headers = args.flatMap((a, i) => (a === '-H' ? [args[i + 1]!] : []));
  return { body: JSON.parse(args[args.indexOf('--data-binary') + 1]!), headers, url: args[args.length - 1]! };
}

describe('bootstrapScript', () => {
  it('joins with the token and the manager address as given, and reports the node id and the labels', () => {
    const bin = stubs();
    const result = run(bootstrapScript(input({ advertiseAddress: '10.231.5.20' })), bin);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`joined as ${NODE_ID}`);
    expect(readFileSync(join(dir, 'join.args'), 'utf8').split('\n').slice(0, -1)).toEqual([
      'swarm',
      'join',
      '--token',
      TOKEN,
      '--advertise-addr',
      '10.231.5.20',
      '10.231.5.1:2377',
    ]);
    const sent = request();
    expect(sent.url).toBe('http://10.231.5.1:8080/provision/callback');
    expect(sent.headers).toEqual(['Content-Type: application/json', 'Authorization: Bearer c0ffee-token']);
    expect(sent.body).toEqual({
      requestId: 'prov-1',
      status: 'joined',
      nodeId: NODE_ID,
      hostname: expect.stringMatching(/^[A-Za-z0-9_.-]*$/),
      labels: { pool: 'gpu', 'slipway.provisioner': 'local' },
    });
    expect(existsSync(join(dir, 'apt.log'))).toBe(false);
  });

  it('carries hostile label values and request ids as data: nothing in them runs', () => {
    const labels = {
      pool: 'gpu\'; touch "$PWN"; echo \'',
      'a.b': '$(touch "$PWN")',
      c: '`touch "$PWN"`\nsecond line',
      d: 'back\\slash "quoted" %s %n',
    };
    const requestId = 'req\'"$(touch $PWN)`touch $PWN`';
    const bin = stubs();
    const result = run(bootstrapScript(input({ labels, requestId })), bin);
    expect(result.status).toBe(0);
    expect(existsSync(pwned)).toBe(false);
    expect(request().body).toMatchObject({ requestId, labels });
  });

  it('installs docker.io and curl from Debian when docker is missing', () => {
    const bin = stubs(false);
    const result = run(bootstrapScript(input()), bin);
    expect(result.status).toBe(0);
    expect(readFileSync(join(dir, 'apt.log'), 'utf8')).toMatch(/^update -q\ninstall -y -q docker\.io curl\n$/);
    expect(request().body).toMatchObject({ status: 'joined', nodeId: NODE_ID });
  });

  it('reports the phase and the reason when the join fails, and exits non-zero', () => {
    const bin = stubs();
    const result = run(bootstrapScript(input()), bin, { JOIN_FAILS: '1' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('slipway bootstrap failed in join: docker swarm join 10.231.5.1:2377 failed');
    expect(request().body).toEqual({
      requestId: 'prov-1',
      status: 'failed',
      phase: 'join',
      error: 'docker swarm join 10.231.5.1:2377 failed',
    });
  });

  it('does not join twice when the machine is in the swarm already', () => {
    const bin = stubs();
    writeFileSync(join(dir, 'joined'), '');
    expect(run(bootstrapScript(input()), bin).status).toBe(0);
    expect(existsSync(join(dir, 'join.args'))).toBe(false);
    expect(request().body).toMatchObject({ status: 'joined', nodeId: NODE_ID });
  });

  it('refuses input no caller should pass', () => {
    expect(() => bootstrapScript(input({ joinToken: "SWMTKN-1-a-b'; rm -rf /" }))).toThrow(/join token/);
    expect(() => bootstrapScript(input({ managerAddress: '10.0.0.1; reboot' }))).toThrow(/host:port/);
    expect(() => bootstrapScript(input({ labels: { 'bad key': 'x' } }))).toThrow(/label name/);
    expect(() => bootstrapScript(input({ callbackToken: 'a b' }))).toThrow(/bearer token/);
    expect(() => bootstrapScript(input({ callbackUrl: 'file:///etc/passwd' }))).toThrow(/http/);
  });
});

describe('acceptReport', () => {
  const record = { requestId: 'prov-1', labels: { pool: 'gpu' } };
  const joined = {
    requestId: 'prov-1',
    status: 'joined',
    nodeId: NODE_ID,
    hostname: 'slwln-p1',
    labels: { pool: 'gpu' },
  };

  it("labels the node that joined with the record's labels", () => {
    expect(acceptReport(joined, record)).toEqual({ action: 'label', nodeId: NODE_ID, labels: { pool: 'gpu' } });
  });

  it("gives the request up with the node's reason when its bootstrap failed", () => {
    expect(
      acceptReport({ requestId: 'prov-1', status: 'failed', phase: 'join', error: 'connection refused' }, record),
    ).toEqual({ action: 'failed', reason: "the node's bootstrap failed (join): connection refused" });
  });

  it.each([
    [{ ...joined, requestId: 'prov-2' }, 'the report is for request "prov-2"'],
    [{ ...joined, labels: { pool: 'gpu', extra: 'x' } }, 'the node reports labels other than those asked for'],
    [{ ...joined, labels: { pool: 'cpu' } }, 'the node reports labels other than those asked for'],
    [{ ...joined, nodeId: 'abc; rm -rf /' }, 'the report names no swarm node id'],
    [{ ...joined, status: 'maybe' }, 'unknown status "maybe"'],
    ['joined', 'the report is not an object'],
  ])('refuses a report that does not match the record: %j', (report, reason) => {
    expect(acceptReport(report, record)).toEqual({ action: 'refuse', reason });
  });
});
