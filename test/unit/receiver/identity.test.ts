import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { processApproval } from '../../../services/approver/process-approval.js';
import { recordForPlan } from '../../../services/core/builds/record-for-plan.js';
import { createGitHub } from '../../../services/shared/github.js';
import { createLogger } from '../../../services/shared/logger.js';
import type { ApprovalJob } from '../../../services/shared/queues.js';
import { GitHubStandIn } from '../../support/github-stand-in.js';
import { OPERATOR_TOKEN, startIdentityApp, type IdentityApp } from '../../support/identity-app.js';
import { planOf, step } from '../../support/plan-fixtures.js';
import { parkedDeploy } from '../../support/port-conformance/approvals.js';
import { lines } from '../../support/port-conformance/fixtures.js';

const GITHUB_TOKEN = 'identity-github-token';

/** Who is asking, end to end in one process: sign-in through the stand-in's OAuth flow, tokens, reads, approvals. */
describe('identity: sign-in, tokens, scoped reads, approvals as yourself', () => {
  let standIn: GitHubStandIn;
  let app: IdentityApp;
  let privateBuild: string;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1', token: GITHUB_TOKEN });
    await standIn.createRepo('acme', 'exec');
    standIn.setPermission('acme', 'exec', 'colleague', 'read');
    standIn.setPermission('acme', 'exec', 'maya', 'maintain');
    standIn.setPermission('acme', 'exec', 'walt', 'maintain');
    standIn.setPermission('elsewhere', 'other', 'stranger', 'admin');
    app = await startIdentityApp(standIn, GITHUB_TOKEN);
    const plan = planOf('https://x-access-token:ghs_SECRET@github.com/acme/exec.git', 'a'.repeat(40), [
      { name: 'test', steps: [step('unit', ['true'])] },
    ]);
    privateBuild = plan.buildId;
    const record = recordForPlan({ ...plan, request: { ...plan.request, private: true } }, '2024-05-01T10:00:00.000Z');
    await app.state.builds.create({ ...record, state: 'success' });
    record.stages[0]!.steps[0]!.state = 'success';
    await app.state.builds.put({ ...record, state: 'success' });
    await app.state.logs.replace(plan.buildId, 'unit', lines('top secret output'));
  });

  afterAll(async () => {
    await app?.close();
    expect(standIn.violations).toEqual([]);
    await standIn?.stop();
  });

  /** What each of the private build's four views answers with these headers. */
  async function views(headers: Record<string, string>): Promise<number[]> {
    const base = `${app.url}/builds/${privateBuild}`;
    const html = { ...headers, accept: 'text/html' };
    const answers = await Promise.all([
      fetch(base, { headers: html }),
      fetch(base, { headers }),
      fetch(`${base}/steps/unit/log`, { headers }),
      fetch(`${base}/steps/unit/log/stream`, { headers }),
    ]);
    await Promise.all(answers.map((r) => r.body?.cancel()));
    return answers.map((r) => r.status);
  }

  it('shows a private build, its log and live log only to people who may read the repository', async () => {
    expect(await views({})).toEqual([404, 404, 404, 404]);
    const colleague = await app.signIn('colleague');
    expect(await views({ cookie: colleague.cookie })).toEqual([200, 200, 200, 200]);
    const stranger = await app.signIn('stranger');
    expect(await views({ cookie: stranger.cookie })).toEqual([404, 404, 404, 404]);
    // Unknown and forbidden look the same.
    const forbidden = await fetch(`${app.url}/builds/${privateBuild}`, { headers: { cookie: stranger.cookie } });
    const unknown = await fetch(`${app.url}/builds/b00000000000`, { headers: { cookie: stranger.cookie } });
    expect(await forbidden.json()).toEqual(await unknown.json());
    // The list too shows only what the viewer may see.
    const list = (cookie: string) => fetch(`${app.url}/`, { headers: { cookie } }).then((r) => r.text());
    expect(await list(colleague.cookie)).toContain(privateBuild);
    expect(await list(stranger.cookie)).not.toContain(privateBuild);
    expect(await (await fetch(`${app.url}/`)).text()).not.toContain(privateBuild);
  });

  it('never shows a clone URL with credentials', async () => {
    const res = await fetch(`${app.url}/builds/${privateBuild}`, { headers: bearer(OPERATOR_TOKEN) });
    const text = await res.text();
    expect(text).not.toContain('ghs_SECRET');
    expect(JSON.parse(text).request.cloneUrl).toBe('https://github.com/acme/exec.git');
  });

  it('signs in with a session cookie, and signs out only with the CSRF token', async () => {
    standIn.signInAs('colleague');
    const start = await fetch(`${app.url}/login`, { redirect: 'manual' });
    expect(start.headers.get('location')).toMatch(new RegExp(`^${standIn.webUrl}/login/oauth/authorize\\?`));
    const colleague = await app.signIn('colleague');
    expect(colleague.csrf).not.toBe('');
    const stale = await fetch(`${app.url}/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: colleague.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: '_csrf=wrong',
    });
    expect(stale.status).toBe(403);
    expect(await views({ cookie: colleague.cookie })).toEqual([200, 200, 200, 200]);
    const out = await fetch(`${app.url}/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: colleague.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${encodeURIComponent(colleague.csrf)}`,
    });
    expect(out.status).toBe(302);
    expect(await views({ cookie: colleague.cookie })).toEqual([404, 404, 404, 404]);
  });

  it('refuses a callback whose state was not started in this browser', async () => {
    standIn.signInAs('colleague');
    const start = await fetch(`${app.url}/login`, { redirect: 'manual' });
    const authorize = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    // Another browser (no state cookie) follows the same callback link.
    const callback = await fetch(authorize.headers.get('location')!, { redirect: 'manual' });
    expect(callback.status).toBe(400);
    expect(callback.headers.getSetCookie().some((c) => c.startsWith('slipway_session=') && !c.includes('=;'))).toBe(
      false,
    );
  });

  it('makes personal tokens shown once, stored as hashes, usable as their owner, and revocable', async () => {
    const maya = await app.signIn('maya');
    const made = await fetch(`${app.url}/api/tokens`, {
      method: 'POST',
      headers: { cookie: maya.cookie, 'x-csrf-token': maya.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'laptop', scopes: ['read', 'approve'] }),
    });
    expect(made.status).toBe(201);
    const { token, id } = (await made.json()) as { token: string; id: string };
    expect(token).toMatch(/^slw_/);
    const stored = await app.state.tokens.get(id);
    expect(JSON.stringify(stored)).not.toContain(token.split('_').slice(2).join('_'));
    const listed = await (await fetch(`${app.url}/api/tokens`, { headers: bearer(token) })).json();
    expect(JSON.stringify(listed)).not.toContain(token);
    // Without the CSRF token a session cannot make one; a token cannot make one at all.
    const noCsrf = await fetch(`${app.url}/api/tokens`, {
      method: 'POST',
      headers: { cookie: maya.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', scopes: ['read'] }),
    });
    expect(noCsrf.status).toBe(403);
    const byToken = await fetch(`${app.url}/api/tokens`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', scopes: ['read'] }),
    });
    expect(byToken.status).toBe(401);
    // maya has no admin scope, so she cannot give a token one.
    const admin = await fetch(`${app.url}/api/tokens`, {
      method: 'POST',
      headers: { cookie: maya.cookie, 'x-csrf-token': maya.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', scopes: ['admin'] }),
    });
    expect(admin.status).toBe(403);
    expect(await views(bearer(token))).toEqual([200, 200, 200, 200]);
    expect((await fetch(`${app.url}/api/tokens/${id}`, { method: 'DELETE', headers: bearer(token) })).status).toBe(204);
    expect((await fetch(`${app.url}/builds/${privateBuild}`, { headers: bearer(token) })).status).toBe(401);
    // The audit trail keeps both, with where they came from; admins read it as JSON lines.
    const audit = await fetch(`${app.url}/audit?actor=maya&kind=token-created,token-revoked&format=jsonl`, {
      headers: bearer(OPERATOR_TOKEN),
    });
    const entries = (await audit.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(entries.map((e) => [e.kind, e.tokenId, e.from.ip, e.from.via])).toEqual([
      ['token-created', id, '127.0.0.1', 'session'],
      ['token-revoked', id, '127.0.0.1', 'token'],
    ]);
    expect((await fetch(`${app.url}/audit`, { headers: { cookie: maya.cookie } })).status).toBe(403);
  });

  it('records an approval as the token owner, refuses the operator, and needs two people for two', async () => {
    const parked = parkedDeploy('b'.repeat(40));
    parked.request.rules.count = 2;
    parked.request.expiresAt = '2999-01-01T00:00:00.000Z';
    const buildId = parked.request.buildId;
    await app.state.builds.create({ ...recordForPlan(parked.plan, new Date().toISOString()), state: 'waiting' });
    await app.state.approvals.park(parked);
    const approve = (headers: Record<string, string>) =>
      fetch(`${app.url}/builds/${buildId}/approve`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'walt' }),
      });
    const operator = await approve(bearer(OPERATOR_TOKEN));
    expect(operator.status).toBe(403);
    expect(((await operator.json()) as { message: string }).message).toMatch(/can never approve/);

    const token = async (login: string) => {
      const who = await app.signIn(login);
      const res = await fetch(`${app.url}/api/tokens`, {
        method: 'POST',
        headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'cli', scopes: ['approve', 'read'] }),
      });
      return ((await res.json()) as { token: string }).token;
    };
    const maya = await token('maya');
    for (let i = 0; i < 2; i++) {
      const res = await approve(bearer(maya));
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ build: buildId, decision: 'approve', by: 'maya' });
    }
    const deps = {
      github: createGitHub(standIn.apiUrl, { token: GITHUB_TOKEN }),
      approvals: app.state.approvals,
      builds: app.state.builds,
      audit: app.state.audit,
      queues: app.state.queues,
      logger: createLogger('test', true),
    };
    const done = new Set<string>();
    const decide = async () => {
      const jobs = app.state.queues
        .jobs('approvals')
        .filter((j) => j.payload.kind === 'decision' && !done.has(j.jobId));
      const outcomes: string[] = [];
      for (const job of jobs) {
        done.add(job.jobId);
        outcomes.push(await processApproval(job.payload as ApprovalJob, deps, job.jobId));
      }
      return outcomes;
    };
    expect(await decide()).toEqual(['pending', 'pending']);
    expect((await app.state.approvals.get(buildId))?.request.decisions.map((d) => d.user)).toEqual(['maya', 'maya']);
    expect((await approve(bearer(await token('walt')))).status).toBe(202);
    expect((await decide()).at(-1)).toBe('approved');
    const decisions = await app.state.audit.list({ buildId, kinds: ['approval-decision'], limit: 10 });
    expect(decisions.map((d) => [d.actor, d.from?.via])).toEqual([
      ['maya', 'token'],
      ['maya', 'token'],
      ['walt', 'token'],
    ]);
  });
});
