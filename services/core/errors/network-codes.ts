/**
 * System and undici error codes of a connection that failed or broke: the peer may answer on
 * the next try. ENOENT is here for a Unix socket (the Docker daemon's) that is not there yet.
 */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** Messages of broken connections that come without a code. */
const NETWORK_MESSAGES = /socket hang up|other side closed|fetch failed|network (?:error|timeout)/i;

/** Whether a code or message says the connection failed (not that the peer refused the request). */
export function isNetworkFailure(failure: { code?: string; message?: string }): boolean {
  if (failure.code !== undefined && NETWORK_CODES.has(failure.code)) return true;
  return failure.message !== undefined && NETWORK_MESSAGES.test(failure.message);
}

/** Whether a code is that of a Unix socket that is missing or refuses (a daemon not running). */
export function isSocketMissing(code: string | undefined): boolean {
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES';
}
