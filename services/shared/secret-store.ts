import type { RepoRef } from '../core/builds/types.js';
import { ConfigError, readJsonSetting } from './config.js';

/** The operator's secrets: values by name, for every repository or for one. Never read from a repository. */
export type SecretsFor = (repo: RepoRef) => Record<string, string>;

interface SecretsFile {
  repos?: Record<string, Record<string, string>>;
  [name: string]: string | Record<string, Record<string, string>> | undefined;
}

/**
 * Reads the secrets file once (`SLIPWAY_SECRETS_FILE`): top-level string values are for
 * every repository; `repos["owner/name"]` adds or overrides values for one repository.
 */
export function loadSecrets(path: string): SecretsFor {
  if (!path) return () => ({});
  const parsed = readJsonSetting<SecretsFile>('SLIPWAY_SECRETS_FILE', path);
  const global: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === 'string') global[name] = value;
    else if (name !== 'repos') throw new ConfigError(`SLIPWAY_SECRETS_FILE: "${name}" must be a string`);
  }
  const repos = parsed.repos ?? {};
  return (repo) => ({ ...global, ...(repos[`${repo.owner}/${repo.name}`] ?? {}) });
}
