import type { RepoRef } from '../builds/types.js';

/** A click on a button Slipway put on GitHub's Checks tab, as the receiver hands it on. */
export type CheckButton =
  | {
      kind: 'rerun';
      repo: RepoRef;
      /** The build of the run clicked (its `external_id`); for a whole suite, the commit's newest build. */
      buildId?: string;
      sha: string;
      /** "Re-run" on one run: its stage's failed steps; "Re-run all checks" on the suite: the whole build. */
      failedOnly: boolean;
      stage?: string;
      user: string;
      via: 'check_run' | 'check_suite';
    }
  | { kind: 'approve' | 'reject'; repo: RepoRef; buildId: string; user: string }
  | { kind: 'cancel'; repo: RepoRef; buildId: string; user: string };

/** An App installation that gained or lost repositories (or was removed, suspended, restored). */
export interface InstallationChange {
  installationId: number;
  change: 'added' | 'removed';
  repos: RepoRef[];
  reason: string;
}

interface CheckRunPayload {
  action: string;
  check_run: { name: string; external_id: string | null; head_sha: string };
  requested_action?: { identifier: string };
  repository: { name: string; owner: { login: string } };
  sender: { login: string };
}

interface CheckSuitePayload {
  action: string;
  check_suite: { head_sha: string };
  repository: { name: string; owner: { login: string } };
  sender: { login: string };
}

const BUTTONS = new Set(['approve', 'reject', 'cancel']);

/**
 * `check_run` `rerequested` / `requested_action` and `check_suite` `rerequested` as a button
 * click, or a reason to ignore it (a run that is not Slipway's, an action it never offered).
 * Pure.
 */
export function mapCheckEvent(event: string, payload: unknown): CheckButton | { ignore: string } {
  if (event === 'check_suite') {
    const p = payload as CheckSuitePayload;
    if (p.action !== 'rerequested') return { ignore: `check_suite "${p.action}" needs nothing from Slipway` };
    return {
      kind: 'rerun',
      repo: repoOf(p.repository),
      sha: p.check_suite.head_sha,
      failedOnly: false,
      user: p.sender.login,
      via: 'check_suite',
    };
  }
  const p = payload as CheckRunPayload;
  const { name, external_id: buildId, head_sha: sha } = p.check_run;
  if (!name.startsWith('slipway/') || !buildId) return { ignore: `check run "${name}" is not one of Slipway's builds` };
  if (p.action === 'rerequested') {
    const label = name.slice('slipway/'.length);
    return {
      kind: 'rerun',
      repo: repoOf(p.repository),
      buildId,
      sha,
      failedOnly: true,
      // `deploy/staging` is the deploy stage; checks about the commit (up-to-date) re-run the build.
      ...(['test', 'e2e', 'deploy'].includes(label.split('/')[0] ?? '') ? { stage: label.split('/')[0] } : {}),
      user: p.sender.login,
      via: 'check_run',
    };
  }
  if (p.action === 'requested_action') {
    const id = p.requested_action?.identifier ?? '';
    if (!BUTTONS.has(id)) return { ignore: `"${id}" is not an action Slipway offers` };
    const repo = repoOf(p.repository);
    return id === 'cancel'
      ? { kind: 'cancel', repo, buildId, user: p.sender.login }
      : { kind: id as 'approve' | 'reject', repo, buildId, user: p.sender.login };
  }
  return { ignore: `check_run "${p.action}" needs nothing from Slipway` };
}

interface InstallationPayload {
  action: string;
  installation: { id: number; account?: { login?: string } | null };
  repositories?: Array<{ full_name: string }>;
  repositories_added?: Array<{ full_name: string }>;
  repositories_removed?: Array<{ full_name: string }>;
  sender?: { login: string };
}

/** `installation` and `installation_repositories`: which repositories an installation covers now, or no longer. */
export function mapInstallationEvent(event: string, payload: unknown): InstallationChange | { ignore: string } {
  const p = payload as InstallationPayload;
  const id = p.installation.id;
  const by = p.sender?.login ?? 'someone';
  const repos = (list?: Array<{ full_name: string }>) =>
    (list ?? []).map((r) => {
      const [owner = '', name = ''] = r.full_name.split('/');
      return { owner, name };
    });
  if (event === 'installation_repositories') {
    const added = p.action === 'added';
    return {
      installationId: id,
      change: added ? 'added' : 'removed',
      repos: repos(added ? p.repositories_added : p.repositories_removed),
      reason: `${by} ${added ? 'added repositories to' : 'removed repositories from'} installation ${id}`,
    };
  }
  if (p.action === 'created' || p.action === 'unsuspend')
    return {
      installationId: id,
      change: 'added',
      repos: repos(p.repositories),
      reason: `${by} ${p.action === 'created' ? 'installed' : 'unsuspended'} the App (installation ${id})`,
    };
  if (p.action === 'deleted' || p.action === 'suspend')
    return {
      installationId: id,
      change: 'removed',
      repos: repos(p.repositories),
      reason: `${by} ${p.action === 'deleted' ? 'uninstalled' : 'suspended'} the App (installation ${id})`,
    };
  return { ignore: `installation "${p.action}" changes no repository` };
}

function repoOf(r: { name: string; owner: { login: string } }): RepoRef {
  return { owner: r.owner.login, name: r.name };
}
