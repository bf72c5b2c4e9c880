import { describe, expect, it } from '@jest/globals';
import { classifyDockerFailure } from '../../../services/core/errors/classify-docker.js';
import { classifyGitHubFailure, SECONDARY_RATE_LIMIT_WAIT_MS } from '../../../services/core/errors/classify-github.js';
import { MAX_RETRY_DELAY_MS, retryDelayMs } from '../../../services/core/errors/retry-delay.js';
import { PermanentError, TransientError } from '../../../services/core/errors/slipway-error.js';
import { toSlipwayError } from '../../../services/core/errors/to-slipway-error.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const nowSeconds = NOW / 1000;
const PRIMARY = 'API rate limit exceeded for installation ID 4242.';
const SECONDARY =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
  'If you reach out to GitHub Support for help, please include the request ID 0000:1111:2222.';

describe('classifyGitHubFailure', () => {
  it.each([
    [401, 'Bad credentials', 'github-bad-credentials'],
    [403, 'Resource not accessible by integration', 'github-forbidden'],
    [404, 'Not Found', 'github-not-found'],
    [410, 'Gone', 'github-gone'],
    [422, 'Validation Failed', 'github-validation'],
    [400, 'Problems parsing JSON', 'github-bad-request'],
    [409, 'Git Repository is empty.', 'github-refused'],
    [451, 'Repository access blocked', 'github-refused'],
  ])('%i %s is permanent (%s)', (status, message, code) => {
    const err = classifyGitHubFailure({ status, message, nowMs: NOW });
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ retryable: false, code, status });
    expect(err.message).toBe(`GitHub answered ${status}: ${message}`);
  });

  it.each([500, 502, 503, 504, 408])('%i is transient, with no delay of its own', (status) => {
    const err = classifyGitHubFailure({ status, message: 'Server Error', nowMs: NOW });
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ retryable: true, code: 'github-unavailable', retryAfterMs: undefined });
  });

  it('a 403 with x-ratelimit-remaining: 0 is the primary rate limit, retried one second after the reset', () => {
    const err = classifyGitHubFailure({
      status: 403,
      message: PRIMARY,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(nowSeconds + 90) },
      nowMs: NOW,
    });
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: 'github-rate-limited', retryAfterMs: 91_000, status: 403 });
    expect(err.message).toBe(`GitHub answered 403: ${PRIMARY} (retry in 91 s)`);
  });

  it('a 429 with x-ratelimit-remaining: 0 is the primary rate limit too; a reset already past waits a second', () => {
    const err = classifyGitHubFailure({
      status: 429,
      message: PRIMARY,
      headers: { 'x-ratelimit-remaining': 0, 'x-ratelimit-reset': nowSeconds - 5 },
      nowMs: NOW,
    });
    expect(err).toMatchObject({ code: 'github-rate-limited', retryAfterMs: 1_000 });
  });

  it('Retry-After wins over the reset header when GitHub sends both', () => {
    const err = classifyGitHubFailure({
      status: 403,
      message: PRIMARY,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(nowSeconds + 600), 'retry-after': '30' },
      nowMs: NOW,
    });
    expect(err).toMatchObject({ code: 'github-rate-limited', retryAfterMs: 30_000 });
  });

  it('a 403 saying "secondary rate limit" is transient and waits Retry-After', () => {
    const err = classifyGitHubFailure({ status: 403, message: SECONDARY, headers: { 'retry-after': '7' }, nowMs: NOW });
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: 'github-secondary-rate-limit', retryAfterMs: 7_000 });
  });

  it('a secondary rate limit without Retry-After waits a minute, as GitHub advises', () => {
    const err = classifyGitHubFailure({ status: 403, message: SECONDARY, nowMs: NOW });
    expect(err).toMatchObject({ code: 'github-secondary-rate-limit', retryAfterMs: SECONDARY_RATE_LIMIT_WAIT_MS });
  });

  it('an older "abuse detection" 403 is a secondary rate limit', () => {
    const err = classifyGitHubFailure({
      status: 403,
      message: 'You have triggered an abuse detection mechanism. Please wait a few minutes before you try again.',
      nowMs: NOW,
    });
    expect(err.code).toBe('github-secondary-rate-limit');
  });

  it('a 429 with Retry-After: 1 waits one second', () => {
    const err = classifyGitHubFailure({ status: 429, message: SECONDARY, headers: { 'retry-after': '1' }, nowMs: NOW });
    expect(err).toMatchObject({ code: 'github-secondary-rate-limit', retryAfterMs: 1_000, retryable: true });
  });

  it('any 429 is transient, even without a message or headers', () => {
    expect(classifyGitHubFailure({ status: 429, nowMs: NOW })).toMatchObject({
      retryable: true,
      retryAfterMs: SECONDARY_RATE_LIMIT_WAIT_MS,
    });
  });

  it('Retry-After as an HTTP date counts from now', () => {
    const err = classifyGitHubFailure({
      status: 429,
      headers: { 'retry-after': new Date(NOW + 12_000).toUTCString() },
      nowMs: NOW,
    });
    expect(err.retryable && (err as TransientError).retryAfterMs).toBe(12_000);
  });

  it('x-ratelimit-remaining other than 0 on a 403 is a refusal, not a rate limit', () => {
    const err = classifyGitHubFailure({
      status: 403,
      message: 'Must have admin rights to Repository.',
      headers: { 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': String(nowSeconds + 60) },
      nowMs: NOW,
    });
    expect(err).toMatchObject({ code: 'github-forbidden', retryable: false });
  });

  it.each([undefined, 0])('no answer at all (status %s) is transient: GitHub could not be reached', (status) => {
    const err = classifyGitHubFailure({ status, message: 'connect ECONNREFUSED 127.0.0.1:1', nowMs: NOW });
    expect(err).toMatchObject({ code: 'github-unreachable', retryable: true });
    expect(err.message).toBe('GitHub could not be reached: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('names the system code when the message does not', () => {
    const err = classifyGitHubFailure({ message: 'fetch failed', code: 'ECONNRESET', nowMs: NOW });
    expect(err.message).toBe('GitHub could not be reached: fetch failed (ECONNRESET)');
    expect(classifyGitHubFailure({ code: 'EAI_AGAIN', nowMs: NOW }).message).toBe(
      'GitHub could not be reached: EAI_AGAIN',
    );
  });
});

describe('classifyDockerFailure', () => {
  it.each([
    [500, 'docker-daemon'],
    [503, 'docker-daemon'],
    [404, 'docker-conflict'],
    [409, 'docker-conflict'],
  ])('%i is transient (%s)', (statusCode, code) => {
    const err = classifyDockerFailure({ statusCode, message: 'rpc error: code = Unavailable' });
    expect(err).toMatchObject({ retryable: true, code, status: statusCode });
  });

  it.each([
    [400, 'docker-bad-request'],
    [403, 'docker-refused'],
  ])('%i is permanent (%s)', (statusCode, code) => {
    const err = classifyDockerFailure({ statusCode, message: 'invalid mount config' });
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ code, message: `Docker answered ${statusCode}: invalid mount config` });
  });

  it.each(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE'])('a socket error %s is transient', (code) => {
    const err = classifyDockerFailure({ code, message: `connect ${code} /var/run/docker.sock` });
    expect(err).toMatchObject({ retryable: true, code: 'docker-unreachable' });
  });

  it('"socket hang up" without a code is transient', () => {
    expect(classifyDockerFailure({ message: 'socket hang up' }).code).toBe('docker-unreachable');
  });
});

describe('toSlipwayError', () => {
  it('keeps a Slipway error as it is', () => {
    const err = new PermanentError('github-not-found', 'gone');
    expect(toSlipwayError(err)).toBe(err);
  });

  it.each(['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EAI_AGAIN'])(
    'an error with code %s is a network error',
    (code) => {
      const thrown = Object.assign(new Error(`connect ${code}`), { code });
      const err = toSlipwayError(thrown);
      expect(err).toMatchObject({ retryable: true, code: 'network', message: `connect ${code}` });
      expect(err.cause).toBe(thrown);
    },
  );

  it("finds the code on the error's cause, where fetch puts it", () => {
    const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(toSlipwayError(new TypeError('fetch failed', { cause })).code).toBe('network');
  });

  it('"socket hang up" is a network error', () => {
    expect(toSlipwayError(new Error('socket hang up')).code).toBe('network');
  });

  it('anything else is unexpected and retried, since nothing says a retry cannot help', () => {
    expect(toSlipwayError(new TypeError("Cannot read properties of undefined (reading 'x')"))).toMatchObject({
      code: 'unexpected',
      retryable: true,
    });
    expect(toSlipwayError('a string')).toMatchObject({ code: 'unexpected', message: 'a string' });
  });
});

describe('retryDelayMs', () => {
  const transient = (retryAfterMs?: number) =>
    new TransientError('github-rate-limited', 'limited', retryAfterMs === undefined ? {} : { retryAfterMs });

  it('is exponential from the base delay', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1_000, transient()))).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it('is never sooner than the delay the peer asked for', () => {
    expect(retryDelayMs(1, 1_000, transient(91_000))).toBe(91_000);
    expect(retryDelayMs(8, 1_000, transient(91_000))).toBe(128_000);
  });

  it('ignores a delay on an error that has none, and caps at an hour', () => {
    expect(retryDelayMs(2, 2_000, undefined)).toBe(4_000);
    expect(retryDelayMs(1, 1_000, transient(5 * 3_600_000))).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(40, 1_000, transient())).toBe(MAX_RETRY_DELAY_MS);
  });
});
