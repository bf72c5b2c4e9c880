import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request as httpRequest } from 'node:http';
import { recordForPlan } from '../../../services/core/builds/record-for-plan.js';
import { GitHubStandIn } from '../../support/github-stand-in.js';
import { OPERATOR_TOKEN, startIdentityApp, WEBHOOK_SECRET, type IdentityApp } from '../../support/identity-app.js';
import { buildRecord } from '../../support/port-conformance/fixtures.js';
import { examplePayload, pushPayload, signedHeaders } from '../../support/webhook-payloads.js';

/** A small seeded generator (mulberry32): the same seed gives the same run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bad input at the door, and the web hardening, on the receiver's app in this process. */
describe('bad input at the door', () => {
  let standIn: GitHubStandIn;
  let app: IdentityApp;
  let n = 0;
  const deliver = (event: string, body: string, delivery = `d-${++n}`) =>
    fetch(`${app.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders(event, body, WEBHOOK_SECRET, delivery),
      body,
    });
  const push = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      ...pushPayload({
        owner: 'acme',
        repo: 'api',
        cloneUrl: 'https://github.com/acme/api.git',
        branch: 'master',
        before: '1'.repeat(40),
        after: 'a'.repeat(40),
      }),
      ...extra,
    });

  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1', token: 'hardening-token' });
    app = await startIdentityApp(standIn, 'hardening-token');
  });

  afterAll(async () => {
    await app?.close();
    await standIn?.stop();
  });

  it('answers a bad or missing signature 401 and an oversized Content-Length 413, unread', async () => {
    const raw = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        // Headers only: the server must answer without waiting for the 30 MB it was promised.
        const req = httpRequest(`${app.url}/webhooks`, { method: 'POST', headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        });
        req.on('error', reject);
        req.flushHeaders();
      });
    const github = { 'x-github-event': 'push', 'x-github-delivery': 'd-raw', 'content-length': String(30 * 2 ** 20) };
    expect(await raw(github)).toBe(401);
    expect(await raw({ ...github, 'x-hub-signature-256': 'sha256=nothex' })).toBe(401);
    expect(await raw({ ...github, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` })).toBe(413);
  });

  it('answers 400 with a message to bodies GitHub never sends, signed or not', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['ping', 'null', /must be a JSON object/],
      ['push', push({ after: 12 }), /after must be a string/],
      ['push', push({ ref: ['refs/heads/x'] }), /ref must be a string/],
      ['push', '['.repeat(10_000) + ']'.repeat(10_000), /nests deeper/],
      ['push', '{"ref": "x", "after": "', /not valid JSON/],
    ];
    const traversal = JSON.parse(push());
    traversal.repository.name = '../x';
    cases.push(['push', JSON.stringify(traversal), /does not name a GitHub repository/]);
    for (const [event, body, message] of cases) {
      const res = await deliver(event, body);
      expect([event, res.status]).toEqual([event, 400]);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
    }
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const headers = signedHeaders('push', '', WEBHOOK_SECRET, 'd-bytes');
    const { createHmac } = await import('node:crypto');
    headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(bytes).digest('hex')}`;
    const res = await fetch(`${app.url}/webhooks`, { method: 'POST', headers, body: bytes });
    expect(res.status).toBe(400);
    expect(app.state.queues.jobs('requests')).toEqual([]);
  });

  it('makes one build of a signed body replayed with 20 new delivery ids', async () => {
    const body = push({ after: 'c'.repeat(40) });
    const answers = await Promise.all(Array.from({ length: 21 }, (_, i) => deliver('push', body, `replay-${i}`)));
    expect(answers.every((r) => r.status === 202)).toBe(true);
    expect(app.state.queues.jobs('requests').filter((j) => j.payload.request.sha === 'c'.repeat(40))).toHaveLength(1);
  });

  it('shows a stored bad build as a page saying so, never a 500', async () => {
    const bad = { ...buildRecord('bbad0000000', '2024-05-01T10:00:00.000Z'), stages: 'not a list' } as never;
    await app.state.builds.create(bad);
    const broken = { id: 'bbroken0000', createdAt: 'yesterday', request: { repo: { owner: 1 } } } as never;
    await app.state.builds.create(broken);
    const operator = { authorization: `Bearer ${OPERATOR_TOKEN}` };
    for (const path of ['/', '/builds/bbad0000000', '/builds/bbroken0000', '/builds/bbad0000000/steps/unit/log']) {
      const res = await fetch(`${app.url}${path}`, { headers: { ...operator, accept: 'text/html' } });
      expect([path, res.status < 500]).toEqual([path, true]);
    }
  });

  it('sends security headers, a CSP without inline script, Lax HttpOnly session cookies, no CORS', async () => {
    const plan = recordForPlan(
      {
        ...(await import('../../support/plan-fixtures.js')).planOf('https://github.com/acme/exec.git', 'd'.repeat(40), [
          { name: 'deploy', steps: [] },
        ]),
      },
      '2024-05-01T10:00:00.000Z',
    );
    await app.state.builds.create({ ...plan, state: 'waiting' });
    const res = await fetch(`${app.url}/builds/${plan.id}`, {
      headers: { accept: 'text/html', authorization: `Bearer ${OPERATOR_TOKEN}`, origin: 'https://evil.example' },
    });
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/unsafe-inline/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const page = await res.text();
    // Scripts are files; the one inline element is the import map, which the CSP allows by its hash.
    expect(page).not.toMatch(/<script(?![^>]*\b(src=|type="importmap"))/);
    const importMap = /<script type="importmap">([^<]*)<\/script>/.exec(page)?.[1] ?? '';
    const { createHash } = await import('node:crypto');
    expect(csp).toContain(`'sha256-${createHash('sha256').update(importMap).digest('base64')}'`);
    expect(page).not.toMatch(/\son[a-z]+=/);
    standIn.signInAs('someone');
    const start = await fetch(`${app.url}/login`, { redirect: 'manual' });
    const authorize = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const cookie = start.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const callback = await fetch(authorize.headers.get('location')!, { redirect: 'manual', headers: { cookie } });
    const session = callback.headers.getSetCookie().find((c) => c.startsWith('slipway_session='))!;
    expect(session).toMatch(/httponly/i);
    expect(session).toMatch(/samesite=lax/i);
  });

  it('gives no 5xx to 10,000 signed, mutated webhook bodies or 1,000 API requests', async () => {
    const seed = Number(process.env.SLIPWAY_FUZZ_SEED ?? 20240501);
    const rand = random(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
    const events = ['push', 'pull_request', 'issue_comment', 'ping', 'star'];
    const bases = events.map((e) => JSON.stringify(examplePayload(e)));
    const junk = ['null', '1', '"x"', '[]', '{}', 'true', '-1e309', '{"a":', '\u0000', '../..', '[[[[[[[['];
    const mutate = (text: string): string => {
      const value = JSON.parse(text) as Record<string, unknown>;
      const paths: Array<[Record<string, unknown>, string]> = [];
      const walk = (node: unknown, depth: number) => {
        if (depth > 6 || node === null || typeof node !== 'object') return;
        for (const key of Object.keys(node)) {
          paths.push([node as Record<string, unknown>, key]);
          walk((node as Record<string, unknown>)[key], depth + 1);
        }
      };
      walk(value, 0);
      for (let i = 0, count = 1 + Math.floor(rand() * 4); i < count && paths.length; i++) {
        const [parent, key] = pick(paths);
        const r = rand();
        if (r < 0.3) delete parent[key];
        else if (r < 0.8)
          parent[key] = JSON.parse(
            pick(junk.filter((j) => !j.startsWith('{"a') && j !== '\u0000' && !j.startsWith('[[') && j !== '../..')),
          );
        else parent[key] = pick(['../..', 'a'.repeat(41), '', 'refs/heads/x', ' ', '0'.repeat(40)]);
      }
      const out = JSON.stringify(value);
      return rand() < 0.05 ? out.slice(0, Math.floor(rand() * out.length)) : out;
    };
    const failures: string[] = [];
    const batch = async (count: number, one: (i: number) => Promise<string | undefined>) => {
      for (let i = 0; i < count; i += 50) {
        const found = await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => one(i + j)));
        failures.push(...found.filter((f): f is string => f !== undefined));
      }
    };
    await batch(10_000, async (i) => {
      const k = Math.floor(rand() * events.length);
      const body = rand() < 0.1 ? pick(junk) : mutate(bases[k]!);
      const res = await deliver(events[k]!, body, `fuzz-${seed}-${i}`);
      await res.body?.cancel();
      return res.status >= 500 ? `webhook ${events[k]} ${res.status}: ${body.slice(0, 200)}` : undefined;
    });
    const maya = await app.signIn('maya');
    const credentials: Array<Record<string, string>> = [
      {},
      { authorization: `Bearer ${OPERATOR_TOKEN}` },
      { authorization: 'Bearer slw_nope' },
      { cookie: maya.cookie },
    ];
    const paths = [
      '/',
      '/builds',
      '/builds/bbad0000000',
      '/builds/x/cancel',
      '/builds/%2e%2e',
      '/audit?limit=-1',
      '/audit?since=never',
      '/api/tokens',
      '/builds/bbad0000000/approve',
      '/settings/tokens',
      '/logout',
      '/login?next=//evil',
      '/auth/callback?code=x&state=y',
      '/builds/bbad0000000/steps/unit/log?format=json',
    ];
    await batch(1_000, async () => {
      const method = pick(['GET', 'POST', 'DELETE', 'PUT']);
      const path = pick(paths);
      const body =
        method === 'GET' ? undefined : pick([...junk, '{"repo":"../x","sha":"' + 'a'.repeat(40) + '"}', '{"repo":1}']);
      const headers = {
        ...pick(credentials),
        'content-type': pick(['application/json', 'application/x-www-form-urlencoded']),
      };
      const res = await fetch(`${app.url}${path}`, { method, headers, redirect: 'manual', ...(body ? { body } : {}) });
      await res.body?.cancel();
      return res.status >= 500 ? `${method} ${path} ${res.status}: ${body}` : undefined;
    });
    if (failures.length)
      throw new Error(`seed ${seed}: ${failures.length} answers ≥ 500, first: ${failures.slice(0, 5).join('\n')}`);
  });
});
