import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { compilePlan } from '../../../services/core/plan/compile-plan.js';
import { stageStatus } from '../../../services/core/status/stage-status.js';
import { mapEvent } from '../../../services/core/trigger/map-event.js';
import { createSpecParser } from '../../../services/core/buildspec/parse-spec.js';
import { examplePayload, pushPayload } from '../../support/webhook-payloads.js';

const parse = createSpecParser(JSON.parse(readFileSync('schemas/buildspec.schema.json', 'utf8')) as object);
const example = parse(readFileSync('.buildspec.example.yml', 'utf8'));
if (!example.ok) throw new Error('the example spec must be valid');
const links = { build: 'B', stepLog: (k: string) => `L/${k}` };

describe('the team workflow, from GitHub payloads to what is built and deployed', () => {
  it('builds the head commit of an opened pull request, with statuses in the base repository', () => {
    const payload = examplePayload('pull_request', (p) => p.action === 'opened');
    const decision = mapEvent('pull_request', 'd-pr', payload);
    expect(decision).toEqual({
      action: 'build',
      request: {
        id: 'd-pr',
        event: 'pull_request',
        repo: { owner: 'Codertocat', name: 'Hello-World' },
        sha: payload.pull_request.head.sha,
        ref: `refs/pull/${payload.number}/head`,
        cloneUrl: payload.pull_request.head.repo.clone_url,
        sender: payload.sender.login,
        subject: payload.pull_request.title,
        pullRequest: payload.number,
        baseRef: payload.pull_request.base.ref,
        defaultBranch: payload.repository.default_branch,
        private: false,
      },
    });
  });

  it("asks for slipway/staging-verified only on pull requests into a non-staging environment's branch", async () => {
    const { needsStagingCheck } = await import('../../../services/core/plan/staging-check.js');
    const pr = (baseRef: string) => ({
      id: 'd',
      event: 'pull_request',
      repo: { owner: 'a', name: 'b' },
      sha: 's',
      ref: 'refs/pull/1/head',
      cloneUrl: 'c',
      sender: 'u',
      pullRequest: 1,
      baseRef,
    });
    expect(needsStagingCheck(example.spec, pr('production'))).toBe(true);
    expect(needsStagingCheck(example.spec, pr('master'))).toBe(false);
    expect(needsStagingCheck(example.spec, pr('feature'))).toBe(false);
    expect(needsStagingCheck(example.spec, { ...pr('production'), pullRequest: undefined, event: 'push' })).toBe(false);
  });

  it('builds synchronize and reopened too, but not labels or assignments', () => {
    for (const action of ['synchronize', 'reopened']) {
      expect(
        mapEvent(
          'pull_request',
          'd',
          examplePayload('pull_request', (p) => p.action === action),
        ).action,
      ).toBe('build');
    }
    expect(
      mapEvent(
        'pull_request',
        'd',
        examplePayload('pull_request', (p) => p.action === 'labeled'),
      ),
    ).toEqual({ action: 'ignore', reason: 'pull_request "labeled" starts no build' });
  });

  it('cancels the build of a pull request that is closed', () => {
    const payload = examplePayload('pull_request', (p) => p.action === 'closed');
    expect(mapEvent('pull_request', 'd', payload)).toEqual({
      action: 'cancel',
      repo: { owner: 'Codertocat', name: 'Hello-World' },
      ref: `refs/pull/${payload.number}/head`,
      reason: `pull request #${payload.number} was closed`,
    });
  });

  it('marks a pull request from a fork (or from a deleted repository) as such, cloning the fork', () => {
    const payload = examplePayload('pull_request', (p) => p.action === 'opened');
    payload.pull_request.head.repo.full_name = 'mallory/Hello-World';
    payload.pull_request.head.repo.clone_url = 'https://github.com/mallory/Hello-World.git';
    const decision = mapEvent('pull_request', 'd', payload);
    expect(decision.action === 'build' && decision.request).toMatchObject({
      fork: true,
      cloneUrl: 'https://github.com/mallory/Hello-World.git',
      repo: { owner: 'Codertocat' },
    });
    payload.pull_request.head.repo = null;
    const gone = mapEvent('pull_request', 'd', payload);
    expect(gone.action === 'build' && gone.request.fork).toBe(true);
  });

  it('deploys a fast-forward push to master to staging, and never a forced one, saying why', () => {
    const push = (forced: boolean) => {
      const decision = mapEvent(
        'push',
        'd',
        pushPayload({
          owner: 'acme',
          repo: 'shop',
          cloneUrl: 'c',
          branch: 'master',
          before: '1'.repeat(40),
          after: '2'.repeat(40),
          forced,
        }),
      );
      if (decision.action !== 'build') throw new Error('a push to master builds');
      return compilePlan(example.spec, decision.request, { gitImage: 'g' });
    };
    const ff = push(false);
    expect(ff.stages.map((s) => s.environment?.name ?? s.name)).toEqual(['test', 'e2e', 'staging']);
    expect(ff.notDeployed).toBeUndefined();
    const forced = push(true);
    expect(forced.request.forced).toBe(true);
    expect(forced.stages.map((s) => s.name)).toEqual(['test', 'e2e']);
    expect(forced.notDeployed).toEqual({
      stage: 'deploy/staging',
      reason: 'a forced push is not a fast-forward: tested, not deployed',
    });
    expect(
      stageStatus(
        { stage: forced.notDeployed!.stage, state: 'refused', reason: `Not deployed: ${forced.notDeployed!.reason}` },
        links,
      ),
    ).toEqual({
      context: 'slipway/deploy/staging',
      state: 'failure',
      description: 'Not deployed: a forced push is not a fast-forward: tested, not deployed',
      target_url: 'B',
    });
  });

  it(
    "never deploys from a pull request, a fork's least of all, " +
      'even one whose head is named like an environment branch',
    () => {
      const payload = examplePayload('pull_request', (p) => p.action === 'opened');
      payload.pull_request.head.repo.full_name = 'mallory/Hello-World';
      const decision = mapEvent('pull_request', 'd', payload);
      if (decision.action !== 'build') throw new Error('builds');
      const plan = compilePlan(example.spec, { ...decision.request, ref: 'refs/heads/master' }, { gitImage: 'g' });
      expect(plan.stages.map((s) => s.name)).toEqual(['test', 'e2e']);
    },
  );
});

describe('manual runs', () => {
  it('turn repo, sha, ref and parameters into a request, and refuse what is malformed', async () => {
    const { manualRequest } = await import('../../../services/core/trigger/manual-request.js');
    const sha = 'a'.repeat(40);
    expect(
      manualRequest('m1', { repo: 'acme/shop', sha, ref: 'master', params: { N: 3 } }, 'https://github.com/', [
        { from: 'https://github.com/', to: 'git://mirror/' },
      ]),
    ).toEqual({
      ok: true,
      request: {
        id: 'm1',
        event: 'manual',
        repo: { owner: 'acme', name: 'shop' },
        sha,
        ref: 'refs/heads/master',
        cloneUrl: 'git://mirror/acme/shop.git',
        sender: 'api',
        params: { N: '3' },
      },
      secretValues: {},
    });
    expect(manualRequest('m', { repo: 'acme', sha }, 'x', [])).toEqual({
      ok: false,
      error: '"repo" must be "owner/name" of a GitHub repository',
    });
    expect(manualRequest('m', { repo: 'a/b', sha: 'abc' }, 'x', [])).toEqual({
      ok: false,
      error: '"sha" must be a full 40-character commit sha',
    });
    expect(manualRequest('m', { repo: 'a/b', sha, params: { PATH: '/evil' } }, 'x', [])).toEqual({
      ok: false,
      error: 'parameter "PATH" is reserved',
    });
    expect(manualRequest('m', { repo: 'a/b', sha, params: { 'bad-name': 1 } }, 'x', [])).toEqual({
      ok: false,
      error: 'parameter "bad-name" is not a valid environment variable name',
    });
  });

  it('keep secret parameters apart: the request names them, their values come back on their own', async () => {
    const { manualRequest } = await import('../../../services/core/trigger/manual-request.js');
    const sha = 'b'.repeat(40);
    const made = manualRequest(
      'm2',
      { repo: 'acme/shop', sha, params: { N: 1 }, secret_params: { DEPLOY_PASSWORD: 'hunter2', API_KEY: 42 } },
      'https://github.com/',
      [],
    );
    expect(made).toMatchObject({
      ok: true,
      request: { params: { N: '1' }, secretParams: ['API_KEY', 'DEPLOY_PASSWORD'] },
      secretValues: { DEPLOY_PASSWORD: 'hunter2', API_KEY: '42' },
    });
    expect(JSON.stringify(made.ok && made.request)).not.toContain('hunter2');
    const refused = (secret_params: unknown, params?: Record<string, unknown>) =>
      manualRequest('m', { repo: 'a/b', sha, secret_params, ...(params ? { params } : {}) } as never, 'x', []);
    expect(refused(['x'])).toEqual({ ok: false, error: '"secret_params" must be an object of NAME: value' });
    expect(refused({ lower: 'x' })).toEqual({
      ok: false,
      error: 'secret parameter "lower" must be an upper-case name (A-Z, 0-9, _)',
    });
    expect(refused({ HOME: 'x' })).toEqual({ ok: false, error: 'parameter "HOME" is reserved' });
    expect(refused({ TOKEN: '' })).toEqual({ ok: false, error: 'secret parameter "TOKEN" is empty' });
    expect(refused({ TOKEN: 'x' }, { TOKEN: 'y' })).toEqual({
      ok: false,
      error: 'parameter "TOKEN" is both in "params" and "secret_params"',
    });
  });
});
