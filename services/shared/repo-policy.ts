import type { RepoRef } from '../core/builds/types.js';
import type { SpecPolicy } from '../core/buildspec/types.js';
import { readJsonSetting } from './config.js';

/** What each repository's spec may do; see SpecPolicy. */
export type PolicyFor = (repo: RepoRef) => SpecPolicy;

interface PolicyFile {
  /** Applies to every repository. */
  default?: SpecPolicy;
  /** Adds to the default for one repository, by `owner/name`. */
  repos?: Record<string, SpecPolicy>;
}

/**
 * Reads the operator's policy file (`SLIPWAY_POLICY_FILE`), e.g.
 * `{"default": {"maxSteps": 50}, "repos": {"acme/infra": {"allowDockerSocket": true}}}`.
 * Without one, every repository gets the defaults: no host access of any kind.
 */
export function loadPolicy(path: string): PolicyFor {
  if (!path) return () => ({});
  const parsed = readJsonSetting<PolicyFile>('SLIPWAY_POLICY_FILE', path);
  return (repo) => ({ ...(parsed.default ?? {}), ...(parsed.repos?.[`${repo.owner}/${repo.name}`] ?? {}) });
}
