import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PermanentError, TransientError } from '../../services/core/errors/slipway-error.js';
import { createGitHub, type GitHub, type GitHubPeople } from '../../services/shared/github.js';
import type { Logger } from '../../services/shared/logger.js';
import {
  GitHubStandIn,
  rateLimitExceeded,
  secondaryRateLimit,
  serverError,
  type RecordedRequest,
} from '../support/github-stand-in.js';

const OWNER = 'octo-org';
const REPO = 'client';
const TOKEN = 'client-token';
const STATUS = { context: 'slipway/test', state: 'success', description: 'passed' } as const;

/** The GitHub client Slipway uses (one Octokit factory, retry and throttling plugins) against the stand-in. */
describe('the GitHub client', () => {
  let standIn: GitHubStandIn;
  let github: GitHub & GitHubPeople;
  let sha: string;
  const repo = { owner: OWNER, name: REPO };

  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1', token: TOKEN });
    await standIn.createRepo(OWNER, REPO);
    sha = await standIn.commit(OWNER, REPO, 'main', { '.buildspec.yml': 'test: []\n' });
    github = createGitHub(standIn.apiUrl, { token: TOKEN }, undefined, { retryBaseMs: 50 });
  });

  afterAll(async () => {
    await standIn?.stop();
  });

  /** The requests `action` made, as `status operationId`. */
  async function requestsDuring(action: () => Promise<unknown>): Promise<string[]> {
    const before = standIn.requests.length;
    await action();
    return standIn.requests.slice(before).map((r: RecordedRequest) => `${r.status} ${r.operationId}`);
  }

  it('retries a 429 with Retry-After and succeeds', async () => {
    standIn.failNext(1, secondaryRateLimit(1), 'repos/create-commit-status');
    const made = await requestsDuring(() => github.createStatus(repo, sha, { ...STATUS, context: 'limited' }));
    expect(made).toEqual(['429 repos/create-commit-status', '201 repos/create-commit-status']);
    expect(standIn.latestStatus(OWNER, REPO, sha, 'limited')?.state).toBe('success');
  });

  it('waits out a spent rate limit (403, x-ratelimit-remaining: 0) and reads the file', async () => {
    standIn.failNext(1, rateLimitExceeded(new Date(Date.now() + 1_000)), 'repos/get-content');
    let text: string | undefined;
    const made = await requestsDuring(async () => (text = await github.fileAt(repo, '.buildspec.yml', sha)));
    expect(made).toEqual(['403 repos/get-content', '200 repos/get-content']);
    expect(text).toBe('test: []\n');
  });

  it("once a token's rate limit is spent, another client of that token waits for the reset too", async () => {
    let told: () => void = () => undefined;
    const toldSpent = new Promise<void>((resolve) => (told = resolve));
    const warned: Logger = {
      info: () => undefined,
      error: () => undefined,
      warn: (msg) => void (msg.startsWith('github: rate limit spent') && told()),
      child: () => warned,
    };
    const refusedClient = createGitHub(standIn.apiUrl, { token: TOKEN }, warned, { retryBaseMs: 50 });
    const other = createGitHub(standIn.apiUrl, { token: TOKEN }, undefined, { retryBaseMs: 50 });
    const before = standIn.requests.length;
    standIn.failNext(1, rateLimitExceeded(new Date(Date.now() + 1_500)), 'repos/get-content');
    const first = refusedClient.fileAt(repo, '.buildspec.yml', sha);
    await toldSpent;
    // Asked while the limit is spent, by a client that was never refused itself.
    const second = other.fileAt(repo, 'not-asked-before.txt', sha);
    await Promise.all([first, second]);
    const made = standIn.requests.slice(before);
    expect(made.filter((r) => r.status === 403)).toHaveLength(1);
    const refused = made.find((r) => r.status === 403)!;
    const asked = made.find((r) => r.path.endsWith('not-asked-before.txt'))!;
    expect(asked.receivedAt).toBeGreaterThanOrEqual(refused.retryNoSoonerThan!);
  });

  it('retries a 502 and a 500, and succeeds', async () => {
    standIn.failNext(1, 502, 'repos/get-content');
    standIn.failNext(1, serverError(500), 'repos/get-content');
    const made = await requestsDuring(() => github.fileAt(repo, '.buildspec.yml', sha));
    expect(made).toEqual(['502 repos/get-content', '500 repos/get-content', '200 repos/get-content']);
  });

  it('a 5xx that lasts surfaces as a transient error once its retries are spent', async () => {
    standIn.failNext(4, 503, 'pulls/get');
    let thrown: unknown;
    const made = await requestsDuring(() => github.pullHead(repo, 1).catch((err: unknown) => (thrown = err)));
    expect(made).toEqual(Array(4).fill('503 pulls/get'));
    expect(thrown).toBeInstanceOf(TransientError);
    expect(thrown).toMatchObject({ code: 'github-unavailable', status: 503, retryable: true });
  });

  it('a rate limit reset too far away surfaces at once, as a transient error with its delay', async () => {
    standIn.failNext(1, rateLimitExceeded(new Date(Date.now() + 600_000)), 'repos/get-content');
    let thrown: unknown;
    const made = await requestsDuring(() =>
      github.fileAt(repo, '.buildspec.yml', sha).catch((err: unknown) => (thrown = err)),
    );
    expect(made).toEqual(['403 repos/get-content']);
    expect(thrown).toBeInstanceOf(TransientError);
    expect(thrown).toMatchObject({ code: 'github-rate-limited', retryable: true });
    expect((thrown as TransientError).retryAfterMs).toBeGreaterThan(500_000);
  });

  it('a rate limit that outlasts its bounded retries surfaces as a transient error', async () => {
    const quick = createGitHub(standIn.apiUrl, { token: TOKEN }, undefined, { rateLimitRetries: 1 });
    standIn.failNext(2, secondaryRateLimit(1), 'repos/get-content');
    let thrown: unknown;
    const made = await requestsDuring(() =>
      quick.fileAt(repo, '.buildspec.yml', sha).catch((err: unknown) => (thrown = err)),
    );
    expect(made).toEqual(['429 repos/get-content', '429 repos/get-content']);
    expect(thrown).toMatchObject({ code: 'github-secondary-rate-limit', retryAfterMs: 1_000, retryable: true });
  });

  it('a 404 is a permanent error, asked once; for a file it means there is none', async () => {
    let thrown: unknown;
    const made = await requestsDuring(() => github.pullHead(repo, 404).catch((err: unknown) => (thrown = err)));
    expect(made).toEqual(['404 pulls/get']);
    expect(thrown).toBeInstanceOf(PermanentError);
    expect(thrown).toMatchObject({ code: 'github-not-found', status: 404, retryable: false });
    await expect(github.fileAt(repo, 'no-such-file', sha)).resolves.toBeUndefined();
  });

  it('a 401 is a permanent error, asked once', async () => {
    const stranger = createGitHub(standIn.apiUrl, { token: 'not-the-token' });
    let thrown: unknown;
    const made = await requestsDuring(() =>
      stranger.createStatus(repo, sha, STATUS).catch((err: unknown) => (thrown = err)),
    );
    expect(made).toEqual(['401 repos/create-commit-status']);
    expect(thrown).toBeInstanceOf(PermanentError);
    expect(thrown).toMatchObject({ code: 'github-bad-credentials', message: 'GitHub answered 401: Bad credentials' });
  });

  it('a 422 is a permanent error, asked once', async () => {
    let thrown: unknown;
    const tooLong = { ...STATUS, description: 'x'.repeat(141) };
    const made = await requestsDuring(() =>
      github.createStatus(repo, sha, tooLong).catch((err: unknown) => (thrown = err)),
    );
    expect(made).toEqual(['422 repos/create-commit-status']);
    expect(thrown).toMatchObject({ code: 'github-validation', retryable: false });
    standIn.violations.splice(0); // the stand-in records the over-long description it refused
  });

  it('a GitHub that cannot be reached is a transient error', async () => {
    const nowhere = createGitHub(`http://127.0.0.1:${await closedPort()}`, { token: TOKEN }, undefined, {
      retries: 0,
    });
    const thrown = await nowhere.fileAt(repo, '.buildspec.yml', sha).catch((err: unknown) => err);
    expect(thrown).toBeInstanceOf(TransientError);
    expect(thrown).toMatchObject({ code: 'github-unreachable', retryable: true });
    expect((thrown as Error).message).toMatch(/ECONNREFUSED/);
  });

  /** A port nothing listens on: it was free a moment ago and has been closed. */
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  it('recorded no violations', () => {
    expect(standIn.violations).toEqual([]);
  });
});
