import { hostname } from 'node:os';
import { types } from 'node:util';
import { pino, stdSerializers, stdTimeFunctions, type DestinationStream, type Logger as Pino } from 'pino';
import { ConfigError } from './config.js';

/**
 * Structured log lines on stderr, one JSON object each, for the operator's log collector:
 * `level`, `time`, `service`, `pid`, `hostname`, the fields and `msg`. Errors anywhere in the
 * fields keep their type, message, stack and causes; secrets never reach the line.
 */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /**
   * A logger whose every line also carries `bindings` (a build id, a step, a delivery id), so
   * a handler logs what it does without repeating where. The parent is left as it was.
   */
  child(bindings: Record<string, unknown>): Logger;
}

/** Where the lines go and which are kept; the defaults come from the environment. */
export interface LoggerOptions {
  /** `SLIPWAY_LOG_LEVEL`, else `info`: one of pino's levels (`debug`, `info`, `warn`, `error`, `silent` …). */
  level?: string;
  /** stderr, written synchronously so that the last lines before an exit are not lost. */
  destination?: DestinationStream;
}

export const REDACTED = '[Redacted]';

/** Field names that hold a secret at any depth: tokens, passwords, keys, credentials, cookies. */
const SECRET_NAME =
  /token|secret|passw(or)?d|passphrase|authori[sz]ation|cookie|credential|api[-_]?key|private[-_]?key/i;

/** `scheme://user:password@host`: the password of a URL written in a string. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s/@]+@/gi;

/**
 * The well-known places of secrets, which pino itself redacts as it writes a line (fields and
 * child bindings alike). Fixed paths cannot say "any field named like a secret, at any depth",
 * so `censorSecrets` below matches names too, and covers these paths as well: the two are kept
 * so that a change to one never lets these through.
 */
const REDACT_PATHS = [
  'token',
  'password',
  'secret',
  'authorization',
  '*.token',
  '*.password',
  '*.secret',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'err.request.headers.authorization',
];

/** The deepest nesting of a field that is copied into a line; deeper values are summarised. */
const MAX_DEPTH = 10;

export function createLogger(
  service: string,
  quiet = process.env.SLIPWAY_LOG === 'silent',
  options: LoggerOptions = {},
): Logger {
  const level = quiet ? 'silent' : (options.level ?? process.env.SLIPWAY_LOG_LEVEL ?? 'info');
  if (!(level in pino.levels.values) && level !== 'silent') {
    throw new ConfigError(
      `SLIPWAY_LOG_LEVEL must be one of ${[...Object.keys(pino.levels.values), 'silent'].join(', ')}, not "${level}"`,
    );
  }
  const base = pino(
    {
      level,
      base: { service, pid: process.pid, hostname: hostname() },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: censorSecrets },
      // censorSecrets has serialised every error already; pino's default `err` serialiser would
      // take the copy for an error again and fold the causes into its message.
      serializers: { err: (err: unknown) => err },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
  return wrap(base);
}

function wrap(log: Pino): Logger {
  return {
    info: (msg, fields = {}) => log.info(fields, msg),
    warn: (msg, fields = {}) => log.warn(fields, msg),
    error: (msg, fields = {}) => log.error(fields, msg),
    // Pino writes bindings out once, without the `log` formatter: censor them here.
    child: (bindings) => wrap(log.child(censorSecrets(bindings))),
  };
}

/**
 * A copy of a line's fields fit to write: errors serialised with their stack and causes (pino's
 * own serialiser), values of fields named like a secret replaced, URL passwords in strings
 * masked. Pino's `log` formatter: it must not throw and must not change what it was given.
 */
export function censorSecrets(fields: Record<string, unknown>): Record<string, unknown> {
  try {
    return censor(fields, 0, new WeakSet()) as Record<string, unknown>;
  } catch (err) {
    // A getter that throws, a proxy that refuses: the line is still written, without the fields.
    return { fieldsNotLogged: err instanceof Error ? err.message : String(err) };
  }
}

function censor(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return value.replace(URL_PASSWORD, `$1${REDACTED}@`);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? '[Array]' : '[Object]';
  seen.add(value);
  try {
    if (types.isNativeError(value) || value instanceof Error) {
      return censor({ ...stdSerializers.errWithCause(value as Error) }, depth, seen);
    }
    if (Array.isArray(value)) return value.map((item) => censor(item, depth + 1, seen));
    // Dates, buffers and the like say themselves how they are written.
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] =
        SECRET_NAME.test(key) && item !== undefined && item !== null ? REDACTED : censor(item, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
