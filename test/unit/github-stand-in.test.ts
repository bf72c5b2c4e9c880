import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Octokit } from '@octokit/rest';
import { Webhooks } from '@octokit/webhooks';
import { runGit } from '../support/github-stand-in/git.js';
import { githubRoutes } from '../support/github-stand-in/openapi-document.js';
import { OpenApiValidator } from '../support/github-stand-in/openapi-validator.js';
import {
  GitHubStandIn,
  quietLog,
  lostAnswer,
  rateLimitExceeded,
  secondaryRateLimit,
  serverError,
} from '../support/github-stand-in.js';
import { examplePayload, pushPayload, signedHeaders } from '../support/webhook-payloads.js';

const OWNER = 'octo-org';
const REPO = 'widget';
const TOKEN = 'test-token';
const SPEC = 'steps:\n  - name: test\n    image: alpine:3.20\n    run: echo hello\n';

describe('GitHubStandIn', () => {
  let standIn: GitHubStandIn;
  let octokit: Octokit;
  let sha: string;

  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1', token: TOKEN });
    octokit = new Octokit({ baseUrl: standIn.apiUrl, auth: TOKEN, log: quietLog });
    await standIn.createRepo(OWNER, REPO);
    await standIn.commit(OWNER, REPO, 'main', { 'README.md': '# widget\n' }, 'Initial commit');
    sha = await standIn.commit(OWNER, REPO, 'main', { '.buildspec.yml': SPEC, 'ci/run tests.sh': 'exit 0\n' });
  });

  afterAll(async () => {
    await standIn?.stop();
  });

  it('returns a full 40-character sha and keeps earlier files', async () => {
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    const { data } = await octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'README.md', ref: sha });
    expect(data).toMatchObject({ type: 'file', path: 'README.md' });
  });

  it('records a status posted through Octokit, with no violations', async () => {
    const violations = await standIn.violationsDuring(async () => {
      const { status, data } = await octokit.rest.repos.createCommitStatus({
        owner: OWNER,
        repo: REPO,
        sha,
        state: 'pending',
        context: 'slipway/build',
        description: 'Build queued',
        target_url: 'https://ci.example.com/builds/1',
      });
      expect(status).toBe(201);
      expect(data).toMatchObject({ state: 'pending', context: 'slipway/build', creator: { type: 'User' } });
      await octokit.rest.repos.createCommitStatus({
        owner: OWNER,
        repo: REPO,
        sha,
        state: 'success',
        context: 'slipway/build',
      });
    });
    expect(violations).toEqual([]);
    expect(standIn.statuses(OWNER, REPO, sha)).toEqual([
      {
        state: 'pending',
        context: 'slipway/build',
        description: 'Build queued',
        target_url: 'https://ci.example.com/builds/1',
      },
      { state: 'success', context: 'slipway/build', description: null, target_url: null },
    ]);
    expect(standIn.latestStatus(OWNER, REPO, sha, 'slipway/build')?.state).toBe('success');
    expect(standIn.requests.at(-1)).toEqual({
      method: 'POST',
      path: `/repos/${OWNER}/${REPO}/statuses/${sha}`,
      status: 201,
      operationId: 'repos/create-commit-status',
      receivedAt: expect.any(Number),
      body: { state: 'success', context: 'slipway/build' },
    });
  });

  it('lists statuses newest first', async () => {
    const violations = await standIn.violationsDuring(async () => {
      const { data } = await octokit.rest.repos.listCommitStatusesForRef({ owner: OWNER, repo: REPO, ref: 'main' });
      expect(data.map((s) => s.state)).toEqual(['success', 'pending']);
    });
    expect(violations).toEqual([]);
  });

  it('serves the committed file through getContent, including paths with slashes and spaces', async () => {
    const violations = await standIn.violationsDuring(async () => {
      const { data } = await octokit.rest.repos.getContent({
        owner: OWNER,
        repo: REPO,
        path: '.buildspec.yml',
        ref: sha,
      });
      if (Array.isArray(data) || data.type !== 'file') throw new Error('expected a file');
      expect(Buffer.from(data.content, 'base64').toString('utf8')).toBe(SPEC);
      expect(data.encoding).toBe('base64');

      const nested = await octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'ci/run tests.sh' });
      expect(nested.data).toMatchObject({ type: 'file', name: 'run tests.sh', size: 7 });

      const listing = await octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'ci', ref: 'main' });
      expect(listing.data).toEqual([expect.objectContaining({ type: 'file', path: 'ci/run tests.sh' })]);
    });
    expect(violations).toEqual([]);
  });

  it('answers 404 for a missing file, which Octokit throws', async () => {
    await expect(
      octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'nope.yml', ref: sha }),
    ).rejects.toMatchObject({ status: 404, response: { data: { message: 'Not Found' } } });
    await expect(
      octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: '.buildspec.yml', ref: 'no-such-branch' }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('answers 422 for an invalid state, and records the invalid request', async () => {
    const violations = await standIn.violationsDuring(async () => {
      await expect(
        octokit.rest.repos.createCommitStatus({ owner: OWNER, repo: REPO, sha, state: 'bogus' as 'success' }),
      ).rejects.toMatchObject({ status: 422 });
    });
    expect(violations).toEqual([
      expect.stringContaining('request body/state must be equal to one of the allowed values'),
    ]);
  });

  it('enforces the 140-character description limit and an existing sha', async () => {
    await expect(
      octokit.rest.repos.createCommitStatus({
        owner: OWNER,
        repo: REPO,
        sha,
        state: 'failure',
        description: 'x'.repeat(141),
      }),
    ).rejects.toMatchObject({ status: 422, response: { data: { message: 'Validation Failed' } } });
    await expect(
      octokit.rest.repos.createCommitStatus({ owner: OWNER, repo: REPO, sha: 'f'.repeat(40), state: 'success' }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it('records a violation for a body that breaks the schema', async () => {
    const violations = await standIn.violationsDuring(async () => {
      const response = await fetch(`${standIn.apiUrl}/repos/${OWNER}/${REPO}/statuses/${sha}`, {
        method: 'POST',
        headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ state: 123 }),
      });
      expect(response.status).toBe(422);
    });
    expect(violations.length).toBeGreaterThan(0);
    expect(violations).toContainEqual(expect.stringContaining('request body/state must be string'));
  });

  it('validates responses against the description too', () => {
    const match = githubRoutes().match('POST', `/repos/${OWNER}/${REPO}/statuses/${sha}`);
    if (match === undefined) throw new Error('route not found');
    const validator = new OpenApiValidator();
    expect(validator.validateResponse(match, 201, { id: 'one', state: 'success' }, true)).toEqual(
      expect.arrayContaining([expect.stringContaining("response 201 must have required property 'url'")]),
    );
    expect(validator.validateResponse(match, 200, {}, true)).toEqual([
      expect.stringContaining('status 200 is not documented'),
    ]);
  });

  it('accepts file paths with literal slashes, as GitHub does', async () => {
    const response = await fetch(`${standIn.apiUrl}/repos/${OWNER}/${REPO}/contents/ci/run%20tests.sh?ref=main`, {
      headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/vnd.github.raw' },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('exit 0\n');
  });

  it('can simulate GitHub failing', async () => {
    standIn.failNext(1, 503);
    await expect(
      octokit.rest.repos.createCommitStatus({ owner: OWNER, repo: REPO, sha, state: 'error', context: 'flaky' }),
    ).rejects.toMatchObject({ status: 503 });
    expect(standIn.latestStatus(OWNER, REPO, sha, 'flaky')).toBeUndefined();
  });

  it("answers a spent rate limit as GitHub does: 403, x-ratelimit headers and GitHub's message", async () => {
    const resetAt = new Date(Date.now() + 60_000);
    const violations = await standIn.violationsDuring(async () => {
      standIn.failNext(1, rateLimitExceeded(resetAt));
      const response = await fetch(`${standIn.apiUrl}/repos/${OWNER}/${REPO}/contents/README.md?ref=${sha}`, {
        headers: { authorization: `token ${TOKEN}` },
      });
      expect(response.status).toBe(403);
      expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(response.headers.get('x-ratelimit-reset')).toBe(String(Math.floor(resetAt.getTime() / 1000)));
      expect(await response.json()).toEqual({
        message: 'API rate limit exceeded for installation ID 4242.',
        documentation_url: expect.stringContaining('rate-limits-for-the-rest-api'),
        status: '403',
      });
    });
    expect(violations).toEqual([]);
  });

  it('answers a secondary rate limit with 429 and Retry-After, then serves the request again', async () => {
    standIn.failNext(1, secondaryRateLimit(1));
    const response = await fetch(`${standIn.apiUrl}/repos/${OWNER}/${REPO}/statuses/${sha}`, {
      method: 'POST',
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'success', context: 'limited' }),
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(((await response.json()) as { message: string }).message).toMatch(/secondary rate limit/);
    expect(standIn.latestStatus(OWNER, REPO, sha, 'limited')).toBeUndefined();
    await octokit.rest.repos.createCommitStatus({
      owner: OWNER,
      repo: REPO,
      sha,
      state: 'success',
      context: 'limited',
    });
    expect(standIn.latestStatus(OWNER, REPO, sha, 'limited')?.state).toBe('success');
  });

  it("carries a write out and then loses its answer (lostAnswer): a 502 with GitHub's error body", async () => {
    const violations = await standIn.violationsDuring(async () => {
      standIn.failNext(1, lostAnswer(502), 'repos/create-commit-status');
      await expect(
        octokit.rest.repos.createCommitStatus({ owner: OWNER, repo: REPO, sha, state: 'failure', context: 'lost' }),
      ).rejects.toMatchObject({ status: 502, response: { data: { message: 'Server Error', status: '502' } } });
    });
    expect(violations).toEqual([]);
    expect(standIn.latestStatus(OWNER, REPO, sha, 'lost')?.state).toBe('failure');
    expect(standIn.requests.at(-1)).toMatchObject({ status: 502, operationId: 'repos/create-commit-status' });
  });

  it('fails only the operation named, and failures given one after another are used in turn', async () => {
    standIn.failNext(1, serverError(500), 'repos/get-content');
    standIn.failNext(1, 502, 'repos/get-content');
    await octokit.rest.repos.createCommitStatus({ owner: OWNER, repo: REPO, sha, state: 'success', context: 'other' });
    const read = () => octokit.rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'README.md', ref: sha });
    await expect(read()).rejects.toMatchObject({ status: 500 });
    await expect(read()).rejects.toMatchObject({ status: 502 });
    await expect(read()).resolves.toMatchObject({ status: 200 });
  });

  it('records a violation and answers 404 for a route GitHub does not have', async () => {
    const violations = await standIn.violationsDuring(async () => {
      await expect(
        octokit.request('GET /repos/{owner}/{repo}/no-such-thing', { owner: OWNER, repo: REPO }),
      ).rejects.toMatchObject({
        status: 404,
      });
    });
    expect(violations).toEqual([expect.stringContaining('no such operation')]);
  });

  it('requires the token', async () => {
    const anonymous = new Octokit({ baseUrl: standIn.apiUrl, log: quietLog });
    await expect(
      anonymous.rest.repos.getContent({ owner: OWNER, repo: REPO, path: 'README.md' }),
    ).rejects.toMatchObject({
      status: 401,
    });
  });

  it('makes the first branch committed to the default branch', async () => {
    await standIn.createRepo(OWNER, 'other');
    await standIn.commit(OWNER, 'other', 'develop', { 'a.txt': 'A' });
    const { data } = await octokit.rest.repos.getContent({ owner: OWNER, repo: 'other', path: 'a.txt' });
    expect(data).toMatchObject({ type: 'file', url: expect.stringContaining('?ref=develop') });
  });

  it('serves the repository over git://', async () => {
    const workdir = await mkdtemp(path.join(os.tmpdir(), 'stand-in-clone-'));
    try {
      const target = path.join(workdir, 'clone');
      await runGit(['clone', '--quiet', standIn.cloneUrl(OWNER, REPO), target]);
      expect(await readFile(path.join(target, '.buildspec.yml'), 'utf8')).toBe(SPEC);
      const head = await runGit(['rev-parse', 'HEAD'], { cwd: target });
      expect(head.toString('utf8').trim()).toBe(sha);
    } finally {
      await rm(workdir, { recursive: true, force: true });
    }
  });

  it('recorded no violations besides the deliberate ones above', () => {
    const deliberate = /request body\/state must|no such operation/;
    expect(standIn.violations.filter((v) => !deliberate.test(v))).toEqual([]);
  });
});

describe('webhook payloads', () => {
  it('signs exactly as @octokit/webhooks verifies', async () => {
    const body = JSON.stringify(examplePayload('ping'));
    const headers = signedHeaders('ping', body, 'shh', 'delivery-1');
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'x-github-event': 'ping',
      'x-github-delivery': 'delivery-1',
    });
    const signature = headers['x-hub-signature-256'] ?? '';
    expect(await new Webhooks({ secret: 'shh' }).verify(body, signature)).toBe(true);
    expect(signature).toBe(await new Webhooks({ secret: 'shh' }).sign(body));
  });

  it('picks an example and returns a copy', () => {
    const first = examplePayload('push', (p) => p.ref.startsWith('refs/heads/') && !p.deleted);
    first.ref = 'changed';
    expect(examplePayload('push', (p) => p.ref.startsWith('refs/heads/') && !p.deleted).ref).toBe('refs/heads/master');
    expect(() => examplePayload('no_such_event')).toThrow(/no 'no_such_event' event/);
  });

  it('builds a push to a branch of the given repository', () => {
    const after = 'a'.repeat(40);
    const payload = pushPayload({
      owner: OWNER,
      repo: REPO,
      cloneUrl: 'git://127.0.0.1:9418/octo-org/widget.git',
      branch: 'feature/x',
      before: '0'.repeat(40),
      after,
    });
    expect(payload).toMatchObject({
      ref: 'refs/heads/feature/x',
      after,
      created: true,
      deleted: false,
      forced: false,
      head_commit: { id: after },
      repository: {
        name: REPO,
        full_name: `${OWNER}/${REPO}`,
        owner: { login: OWNER, name: OWNER },
        clone_url: 'git://127.0.0.1:9418/octo-org/widget.git',
        html_url: `https://github.com/${OWNER}/${REPO}`,
      },
    });
    expect(JSON.stringify(payload.repository)).not.toContain('Hello-World');
  });
});
