import type { BuildRecord } from '../core/builds/record.js';

/** A URL without the user and password it may carry (`https://x-access-token:…@host/…`). */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.href;
  } catch {
    // Not a URL Node can parse (scp-like `git@host:x`): drop anything before an `@` in the authority.
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
  }
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
