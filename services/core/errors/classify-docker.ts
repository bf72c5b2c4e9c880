import { PermanentError, TransientError, type SlipwayError } from './slipway-error.js';
import { isNetworkFailure, isSocketMissing } from './network-codes.js';

/** What a failed Docker Engine API call gave, as plain values (dockerode's `statusCode`, `json.message`, `code`). */
export interface DockerFailure {
  /** The HTTP status of the Engine's answer; undefined when none came. */
  statusCode?: number;
  message?: string;
  /** The system error code when the socket failed (ENOENT, ECONNREFUSED, ECONNRESET …). */
  code?: string;
}

/**
 * Decides what a failed Engine API call means. A missing or broken socket and a 5xx (a busy
 * daemon, a manager without quorum) pass. 404 and 409 pass too: objects come and go under a
 * build (the reaper, a teardown, a re-attach), and a new attempt sets the build up again. Any
 * other 4xx (a request the daemon rejects) is final. Pure.
 */
export function classifyDockerFailure(failure: DockerFailure): SlipwayError {
  const said = failure.message ?? '';
  const status = failure.statusCode;
  if (status === undefined || status === 0) {
    if (isSocketMissing(failure.code) || isNetworkFailure(failure))
      return new TransientError(
        'docker-unreachable',
        `the Docker daemon could not be reached: ${said || failure.code}`,
      );
    return new TransientError('unexpected', said || 'the Docker daemon call failed');
  }
  const text = `Docker answered ${status}${said ? `: ${said}` : ''}`;
  if (status >= 500 || status === 408 || status === 429) return new TransientError('docker-daemon', text, { status });
  if (status === 404 || status === 409) return new TransientError('docker-conflict', text, { status });
  if (status === 400) return new PermanentError('docker-bad-request', text, { status });
  return new PermanentError('docker-refused', text, { status });
}
