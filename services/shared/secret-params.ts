import type { BuildRequest } from '../core/builds/types.js';
import type { SecretParamStore } from './ports/secret-param-store.js';

/** How long a manual run's secret parameters are kept: long enough for a queue, an approval and a re-run. */
export const SECRET_PARAMS_TTL_MS = 3 * 24 * 3_600_000;

/**
 * Keeps a manual run's secret parameters where the executor finds them, before its request
 * is queued: the request names them (`secretParams`), the values go to the store and nowhere
 * else. Every trigger (`POST /builds`, the API v1 trigger, the CLI through either) calls this
 * with what `manualRequest` returned, then queues the request. A request without secret
 * parameters stores nothing.
 */
export async function keepSecretParams(
  store: SecretParamStore,
  request: BuildRequest,
  values: Readonly<Record<string, string>>,
): Promise<BuildRequest> {
  const names = Object.keys(values).sort();
  if (names.length === 0) return request;
  await store.put(request.id, values, SECRET_PARAMS_TTL_MS);
  return { ...request, secretParams: names };
}

/**
 * The values of a build's secret parameters, for the executor: only those its request names
 * (so an old or foreign entry never adds more), `{}` for a request without any.
 */
export async function secretParamValues(
  store: SecretParamStore,
  request: Pick<BuildRequest, 'id' | 'secretParams'>,
): Promise<Record<string, string>> {
  if (!request.secretParams?.length) return {};
  const kept = await store.get(request.id);
  return Object.fromEntries(request.secretParams.filter((n) => n in kept).map((n) => [n, kept[n]!]));
}
