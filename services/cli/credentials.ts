import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Where `slipway login` keeps personal tokens, one per Slipway URL:
 * `$SLIPWAY_CREDENTIALS`, else `$XDG_CONFIG_HOME/slipway/credentials.json`, else
 * `~/.config/slipway/credentials.json`. The file is `{"tokens": {"https://ci…": "slw_…"}}`,
 * mode 0600 in a 0700 folder: only its owner may read it.
 */
export function credentialsPath(env: NodeJS.ProcessEnv): string {
  if (env.SLIPWAY_CREDENTIALS) return env.SLIPWAY_CREDENTIALS;
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(config, 'slipway', 'credentials.json');
}

interface CredentialsFile {
  tokens: Record<string, string>;
}

function read(path: string): CredentialsFile {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<CredentialsFile>;
    return { tokens: typeof parsed.tokens === 'object' && parsed.tokens ? parsed.tokens : {} };
  } catch {
    return { tokens: {} };
  }
}

/** The token stored for `url` (normalised, without a trailing slash), if `slipway login` stored one. */
export function storedToken(env: NodeJS.ProcessEnv, url: string): string | undefined {
  return read(credentialsPath(env)).tokens[url];
}

/** Stores `token` for `url`, keeping the others; the file is written 0600 (and made so if it was not). */
export function storeToken(env: NodeJS.ProcessEnv, url: string, token: string): string {
  const path = credentialsPath(env);
  const file = read(path);
  file.tokens[url] = token;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}
