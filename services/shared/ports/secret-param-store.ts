/**
 * The values of a manual run's secret parameters (`POST /builds` with `secret_params`), kept
 * apart from the build request: the request, the build record, the queued jobs and the audit
 * trail carry only their names (`BuildRequest.secretParams`).
 *
 * Callers: `keepSecretParams` (shared/secret-params.ts) when a run is triggered, before its
 * request is queued: `put` once per request id; the executor's runtime when the build runs:
 * `get`, whose values it delivers like the operator's secrets (Docker secrets, masked in logs).
 * Values live for `ttlMs` from `put` (a re-run of the same request within it gets them again),
 * then are gone: `get` answers `{}`. Must tolerate: `get` of a request that never had any;
 * `put` twice for one request (the second replaces the first); readers in other processes.
 */
export interface SecretParamStore {
  put(requestId: string, values: Readonly<Record<string, string>>, ttlMs: number): Promise<void>;
  get(requestId: string): Promise<Record<string, string>>;
}
