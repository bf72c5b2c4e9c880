import { splitCloneUrl } from '../core/plan/clone-url.js';
import type { BuildRecord } from '../core/builds/record.js';

/** A URL without the user and password it may carry (`https://x-access-token:…@host/…`). */
export function withoutCredentials(url: string): string {
  return splitCloneUrl(url).url;
}

/**
 * A build as the API and pages show it: the clone URL without credentials, and the values of
 * secret parameters never (only their names, masked).
 */
export function publicBuild(build: BuildRecord): BuildRecord {
  const request = { ...build.request, cloneUrl: withoutCredentials(String(build.request.cloneUrl ?? '')) };
  if (request.params && request.secretParams?.length) {
    request.params = Object.fromEntries(
      Object.entries(request.params).map(([k, v]) => [k, request.secretParams!.includes(k) ? '***' : v]),
    );
  }
  return { ...build, request };
}
