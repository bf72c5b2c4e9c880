import { describe, expect, it } from '@jest/globals';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { PermanentError, TransientError } from '../../services/core/errors/slipway-error.js';
import { failedForGood, failureOf, retryBackoff, typedProcessor } from '../../services/shared/redis/job-errors.js';

const job = (opts: Job['opts'] = {}, attemptsMade = 0) => ({ id: 'j1', data: {}, opts, attemptsMade }) as Job;

/** What the wrapper around every processor throws, for what the processor threw. */
async function thrownFor(err: unknown): Promise<Error> {
  const wrapped = typedProcessor(async () => {
    throw err;
  });
  return wrapped(job()).then(
    () => {
      throw new Error('the processor did not throw');
    },
    (e: unknown) => e as Error,
  );
}

describe('the worker wrapper', () => {
  it("passes the processor's result through", async () => {
    await expect(typedProcessor(async () => 'posted')(job())).resolves.toBe('posted');
  });

  it("turns a permanent error into BullMQ's UnrecoverableError, keeping the typed error as its cause", async () => {
    const permanent = new PermanentError('github-validation', 'GitHub answered 422: Validation Failed', {
      status: 422,
    });
    const thrown = await thrownFor(permanent);
    expect(thrown).toBeInstanceOf(UnrecoverableError);
    expect(thrown.message).toBe('GitHub answered 422: Validation Failed');
    expect(failureOf(thrown)).toBe(permanent);
  });

  it('throws a transient error as it is, so BullMQ retries it and the backoff reads its delay', async () => {
    const transient = new TransientError('github-rate-limited', 'limited', { retryAfterMs: 30_000 });
    const thrown = await thrownFor(transient);
    expect(thrown).toBe(transient);
    expect(thrown).not.toBeInstanceOf(UnrecoverableError);
  });

  it('classifies what is not typed yet: a broken connection is transient', async () => {
    const thrown = await thrownFor(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    expect(thrown).toBeInstanceOf(TransientError);
    expect(thrown).toMatchObject({ code: 'network', retryable: true });
  });

  it("leaves BullMQ's own control errors alone", async () => {
    const delayed = new DelayedError();
    expect(await thrownFor(delayed)).toBe(delayed);
    const unrecoverable = new UnrecoverableError('bad job');
    expect(await thrownFor(unrecoverable)).toBe(unrecoverable);
  });
});

describe('the retry backoff', () => {
  const backoff = { type: 'exponential-or-retry-after', delay: 1_000 };

  it("is exponential from the job's backoff delay", () => {
    const plain = new TransientError('github-unavailable', 'GitHub answered 502');
    expect([1, 2, 3].map((n) => retryBackoff(n, backoff.type, plain, job({ backoff })))).toEqual([1_000, 2_000, 4_000]);
  });

  it('is never sooner than the delay GitHub asked for', () => {
    const limited = new TransientError('github-rate-limited', 'limited', { retryAfterMs: 91_000 });
    expect(retryBackoff(1, backoff.type, limited, job({ backoff }))).toBe(91_000);
  });

  it('takes a backoff given as a number, and reads an untyped error as unexpected (no delay of its own)', () => {
    expect(retryBackoff(2, undefined, new Error('boom'), job({ backoff: 500 }))).toBe(1_000);
  });
});

describe('failedForGood', () => {
  it('is true for an UnrecoverableError whatever attempts are left', () => {
    expect(failedForGood(job({ attempts: 15 }, 1), new UnrecoverableError('refused'))).toBe(true);
  });

  it('is true once the attempts are spent, false before', () => {
    const err = new TransientError('github-unavailable', 'down');
    expect(failedForGood(job({ attempts: 3 }, 2), err)).toBe(false);
    expect(failedForGood(job({ attempts: 3 }, 3), err)).toBe(true);
  });
});
