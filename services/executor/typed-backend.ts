import { classifyDockerFailure } from '../core/errors/classify-docker.js';
import { isSlipwayError } from '../core/errors/slipway-error.js';
import type { Backend } from './backend/types.js';

/**
 * An Engine API error as dockerode throws it (the answer's `statusCode` and `json.message`, or
 * the socket's `code`) as a typed error (`classifyDockerFailure`). Anything else is returned as
 * it is: the backend's own errors are classified where the job ends (start-worker.ts).
 */
export function fromDocker(err: unknown): unknown {
  if (isSlipwayError(err) || typeof err !== 'object' || err === null) return err;
  const { statusCode, json, code, message } = err as {
    statusCode?: unknown;
    json?: { message?: unknown } | null;
    code?: unknown;
    message?: unknown;
  };
  if (typeof statusCode !== 'number' && typeof code !== 'string') return err;
  const said = typeof json?.message === 'string' ? json.message : typeof message === 'string' ? message : '';
  const typed = classifyDockerFailure({
    ...(typeof statusCode === 'number' ? { statusCode } : {}),
    ...(typeof code === 'string' ? { code } : {}),
    message: said,
  });
  Object.defineProperty(typed, 'cause', { value: err, enumerable: false });
  return typed;
}

/**
 * The backend with what its calls reject with typed (`fromDocker`), so that trouble with the
 * daemon decides the build job's retries like any other error: a 5xx or a broken socket is
 * retried, a request the Engine rejects is not. Calls, results and outcomes are unchanged.
 */
export function typedBackend(backend: Backend): Backend {
  return new Proxy(backend, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        return result instanceof Promise
          ? result.catch((err: unknown) => {
              throw fromDocker(err);
            })
          : result;
      };
    },
  });
}
