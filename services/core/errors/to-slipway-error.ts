import { isNetworkFailure } from './network-codes.js';
import { isSlipwayError, TransientError, type SlipwayError } from './slipway-error.js';

/**
 * Any thrown value as a Slipway error: itself when it already is one; a broken connection
 * (by its code or message) as a transient `network` error; anything else as a transient
 * `unexpected` error, since nothing says a retry cannot help. Pure.
 */
export function toSlipwayError(err: unknown): SlipwayError {
  if (isSlipwayError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = systemCodeOf(err);
  if (isNetworkFailure({ message, ...(code === undefined ? {} : { code }) }))
    return new TransientError('network', message, { cause: err });
  return new TransientError('unexpected', message, { cause: err });
}

/** The system error code of an error or of its causes (fetch puts it one or two levels down). */
export function systemCodeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 3; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
