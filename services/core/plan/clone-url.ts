/** A clone URL taken apart: the URL without credentials, where credentials may go, and the credentials it carried. */
export interface CloneUrlParts {
  /** The URL without user and password: what is cloned, and what `.git/config` and pages may show. */
  url: string;
  /** `scheme://host[:port]` of an http(s) URL: the only place the checkout's credential helper answers for. */
  origin?: string;
  /** Credentials written into the URL (e.g. by a `SLIPWAY_CLONE_URL_REWRITE` rule), decoded. */
  credentials?: { username: string; password: string };
}

/**
 * Takes credentials out of a clone URL (`https://user:token@mirror/x.git` → `https://mirror/x.git`
 * and `{username, password}`). A URL Node cannot parse (scp-like `git@host:x`) keeps its path
 * and loses anything before an `@` in its authority. Pure.
 */
export function splitCloneUrl(url: string): CloneUrlParts {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url: url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1') };
  }
  const origin = /^https?:$/.test(parsed.protocol) ? `${parsed.protocol}//${parsed.host}` : undefined;
  const { username, password } = parsed;
  if (!username && !password) return { url, ...(origin ? { origin } : {}) };
  parsed.username = '';
  parsed.password = '';
  return {
    url: parsed.href,
    ...(origin ? { origin } : {}),
    credentials: { username: decodeURIComponent(username), password: decodeURIComponent(password) },
  };
}

/**
 * What the checkout's credential helper prints for `get` (git's credential format), from the
 * credentials of a clone URL; undefined when there are none, or when they hold a line break
 * (they could add lines of their own).
 */
export function credentialAnswer(url: string): string | undefined {
  const { credentials } = splitCloneUrl(url);
  if (!credentials || /[\r\n\0]/.test(credentials.username + credentials.password)) return undefined;
  return `username=${credentials.username}\npassword=${credentials.password}\n`;
}
