import { describe, expect, it } from '@jest/globals';
import { PermanentError, TransientError } from '../../../services/core/errors/slipway-error.js';
import { FakeBackend } from '../../../services/executor/backend/fake-backend.js';
import { fromDocker, typedBackend } from '../../../services/executor/typed-backend.js';

/** What docker-modem throws for an Engine API answer: `(HTTP code N) …` with the Engine's JSON body. */
function engineError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message}`), {
    statusCode,
    json: { message },
    reason: 'unexpected',
  });
}

describe('the backend with typed errors', () => {
  it('turns an Engine 5xx into a transient error and a 400 into a permanent one', () => {
    expect(fromDocker(engineError(503, 'rpc error: code = Unavailable desc = no leader'))).toMatchObject({
      code: 'docker-daemon',
      retryable: true,
      message: 'Docker answered 503: rpc error: code = Unavailable desc = no leader',
    });
    const refused = fromDocker(engineError(400, 'invalid mount config for type "bind"'));
    expect(refused).toBeInstanceOf(PermanentError);
    expect(refused).toMatchObject({ code: 'docker-bad-request', status: 400 });
  });

  it('turns a missing daemon socket into a transient error', () => {
    const err = Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' });
    const typed = fromDocker(err);
    expect(typed).toBeInstanceOf(TransientError);
    expect(typed).toMatchObject({ code: 'docker-unreachable' });
    expect((typed as Error).cause).toBe(err);
  });

  it("leaves the backend's own errors as they are", () => {
    const own = new Error('the Docker engine is not part of an active swarm (run `docker swarm init`)');
    expect(fromDocker(own)).toBe(own);
  });

  it('types what a call rejects with, and changes nothing else', async () => {
    const fake = new FakeBackend();
    fake.buildsPresent = async () => {
      throw engineError(500, 'write /var/lib/docker: no space left on device');
    };
    const backend = typedBackend(fake);
    expect((backend as FakeBackend).started).toBe(fake.started);
    await expect(backend.buildsPresent()).rejects.toMatchObject({ code: 'docker-daemon', retryable: true });
    await expect(backend.teardownBuild('b1')).resolves.toBeUndefined();
  });
});
