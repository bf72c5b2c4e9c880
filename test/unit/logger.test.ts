import { describe, expect, it } from '@jest/globals';
import { createLogger, type LoggerOptions } from '../../services/shared/logger.js';

/** A logger writing into memory: the raw text, and each line parsed as the log collector would. */
function capture(service = 'test', options: LoggerOptions = {}, quiet = false) {
  const chunks: string[] = [];
  const logger = createLogger(service, quiet, {
    destination: { write: (s: string) => void chunks.push(s) },
    ...options,
  });
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, text, lines };
}

function failToClone(): Error {
  return new Error('git clone failed', { cause: new Error('connect ECONNREFUSED 172.17.0.1:9418') });
}

describe('the logger', () => {
  it('writes one JSON object per line with level, time, service and message', () => {
    const { logger, lines } = capture('executor');
    logger.info('build queued', { buildId: 'b0123456789a' });
    logger.warn('step error, retrying');
    expect(lines()).toEqual([
      expect.objectContaining({ level: 'info', service: 'executor', msg: 'build queued', buildId: 'b0123456789a' }),
      expect.objectContaining({ level: 'warn', service: 'executor', msg: 'step error, retrying' }),
    ]);
    expect(new Date(lines()[0]!.time as string).toISOString()).toBe(lines()[0]!.time);
  });

  it('keeps the stack and the cause of a logged error, wherever it is in the fields', () => {
    const { logger, lines } = capture();
    logger.error('could not report the failed build', { err: failToClone(), job: { attempt: 2, last: failToClone() } });
    const [line] = lines();
    for (const err of [line!.err, (line!.job as { last: unknown }).last] as Array<Record<string, unknown>>) {
      expect(err).toMatchObject({ type: 'Error', message: 'git clone failed' });
      expect(err.stack).toMatch(/^Error: git clone failed\n\s+at failToClone \(.*logger\.test\.ts:\d+:\d+\)/);
      expect(err.cause).toMatchObject({ message: 'connect ECONNREFUSED 172.17.0.1:9418' });
      expect((err.cause as { stack: string }).stack).toContain('at failToClone');
    }
  });

  it("keeps an error's own fields, such as an HTTP status", () => {
    const { logger, lines } = capture();
    const err = Object.assign(new Error('Not Found'), { status: 404 });
    logger.warn('spec fetch failed', { err });
    expect(lines()[0]!.err).toMatchObject({ message: 'Not Found', status: 404 });
  });

  it('gives a child its bindings on every line, and a grandchild both, leaving the parent alone', () => {
    const { logger, lines } = capture('executor');
    const build = logger.child({ buildId: 'b0123456789a', delivery: 'd-1' });
    const step = build.child({ step: 'unit' });
    step.info('step started', { attempt: 1 });
    build.info('build finished');
    logger.info('executor waiting for builds');
    expect(lines()).toEqual([
      expect.objectContaining({
        service: 'executor',
        buildId: 'b0123456789a',
        delivery: 'd-1',
        step: 'unit',
        attempt: 1,
      }),
      expect.objectContaining({ buildId: 'b0123456789a', msg: 'build finished' }),
      expect.objectContaining({ msg: 'executor waiting for builds' }),
    ]);
    expect(lines()[1]).not.toHaveProperty('step');
    expect(lines()[2]).not.toHaveProperty('buildId');
  });

  it('never writes a secret: by name at any depth, in headers, in an error, in child bindings, in a URL', () => {
    const secret = 'ghp_s3cr3tVALUE';
    const { logger, text, lines } = capture();
    const requestError = Object.assign(new Error('Bad credentials'), {
      status: 401,
      request: { method: 'GET', url: '/repos/o/r', headers: { authorization: `token ${secret}` } },
    });
    logger.error('everything at once', {
      token: secret,
      password: secret,
      config: { githubToken: secret, webhookSecret: secret, redisUrl: `redis://:${secret}@redis:6379/0`, port: 3000 },
      env: { SLIPWAY_API_TOKEN: secret, HOME: '/root' },
      headers: { Authorization: `Bearer ${secret}`, 'x-api-key': secret, accept: 'application/json' },
      err: requestError,
      steps: [{ name: 'deploy', credentials: { user: 'x', pass: secret } }],
    });
    logger.child({ apiToken: secret, buildId: 'b1' }).info('child line');
    expect(text()).not.toContain(secret);
    expect(text()).not.toContain('s3cr3t');
    const [line, child] = lines();
    // What is not a secret stays readable, and what was removed is marked.
    expect(line).toMatchObject({
      token: '[Redacted]',
      config: { githubToken: '[Redacted]', redisUrl: 'redis://:[Redacted]@redis:6379/0', port: 3000 },
      env: { SLIPWAY_API_TOKEN: '[Redacted]', HOME: '/root' },
      headers: { Authorization: '[Redacted]', accept: 'application/json' },
      err: { message: 'Bad credentials', status: 401, request: { url: '/repos/o/r' } },
      steps: [{ name: 'deploy', credentials: '[Redacted]' }],
    });
    expect(child).toMatchObject({ apiToken: '[Redacted]', buildId: 'b1' });
  });

  it('does not change the fields it was given', () => {
    const { logger } = capture();
    const fields = { token: 'abc', nested: { password: 'def' } };
    logger.info('x', fields);
    expect(fields).toEqual({ token: 'abc', nested: { password: 'def' } });
  });

  it('writes a value that refers to itself once, without failing', () => {
    const { logger, lines } = capture();
    const node: Record<string, unknown> = { name: 'a' };
    node.self = node;
    logger.info('cyclic', { node });
    expect(lines()[0]!.node).toEqual({ name: 'a', self: '[Circular]' });
  });

  it('still writes the line when a field cannot be read', () => {
    const { logger, lines } = capture();
    const hostile = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get: () => {
        throw new Error('no access');
      },
    });
    logger.warn('odd value', { hostile });
    expect(lines()).toEqual([expect.objectContaining({ msg: 'odd value', fieldsNotLogged: 'no access' })]);
  });

  it('writes nothing when quiet (SLIPWAY_LOG=silent), and only lines at or above the level', () => {
    const quiet = capture('test', {}, true);
    quiet.logger.error('never shown');
    quiet.logger.child({ a: 1 }).error('nor this');
    expect(quiet.text()).toBe('');
    const warn = capture('test', { level: 'warn' });
    warn.logger.info('dropped');
    warn.logger.warn('kept');
    expect(warn.lines().map((l) => l.msg)).toEqual(['kept']);
  });

  it('refuses a level it does not know, naming the ones it does', () => {
    expect(() => capture('test', { level: 'verbose' })).toThrow(
      'SLIPWAY_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, not "verbose"',
    );
  });
});
