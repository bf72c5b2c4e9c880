import { isFinal } from '../core/builds/types.js';
import type { GitHubPeople } from '../shared/github.js';
import type { Logger } from '../shared/logger.js';
import type { AuditLog } from '../shared/ports/audit-log.js';
import type { BuildStore } from '../shared/ports/build-store.js';
import type { Stops } from '../shared/ports/stops.js';
import type { ApprovalJob } from '../shared/queues.js';
import type { RerunInput } from '../shared/rerun.js';

export interface ButtonDeps {
  github: Pick<GitHubPeople, 'roleOf'>;
  builds: Pick<BuildStore, 'get' | 'recent'>;
  stops: Pick<Stops, 'cancel'>;
  audit: AuditLog;
  /** Contract B's requestRerun (services/shared/rerun.ts), bound to the state. */
  rerun: (input: RerunInput) => Promise<{ buildId: string }>;
  logger: Logger;
}

/** What re-running and cancelling need on the repository, as through the API. */
const WRITE = new Set(['admin', 'maintain', 'write']);
/** How far back a suite's re-run looks for the commit's newest build. */
const RECENT = 500;

/** Where a click came from, for the audit trail. */
const FROM = { ip: 'github', userAgent: "GitHub's Checks tab", via: 'check_run' as const };

/**
 * A Re-run or Cancel button clicked on GitHub's Checks tab. The person who clicked must have
 * write permission on the repository, as the API's cancel and re-run require; the build must
 * be of that repository. A re-run goes through contract B (one per delivery); a cancel is
 * the API's (a stop, audited with who clicked). Returns what happened, in words.
 */
export async function processButton(job: Extract<ApprovalJob, { kind: 'button' }>, deps: ButtonDeps): Promise<string> {
  const { button } = job;
  const repoName = `${button.repo.owner}/${button.repo.name}`;
  const buildId = button.buildId ?? (await newestBuildOf(button.repo, button.kind === 'rerun' ? button.sha : '', deps));
  const build = buildId ? await deps.builds.get(buildId) : undefined;
  if (!build || `${build.request.repo.owner}/${build.request.repo.name}`.toLowerCase() !== repoName.toLowerCase())
    return `no build ${buildId ?? 'of that commit'} in ${repoName}`;
  const role = await deps.github.roleOf(button.repo, button.user);
  if (!WRITE.has(role)) {
    deps.logger.warn('check button refused', { button: button.kind, user: button.user, role, buildId });
    return `${button.user} (${role}) may not ${button.kind === 'cancel' ? 'cancel' : 're-run'} builds of ${repoName}`;
  }
  if (button.kind === 'cancel') {
    if (isFinal(build.state)) return `build ${build.id} is already over (${build.state})`;
    const reason = `cancelled by ${button.user} on GitHub's Checks tab`;
    await deps.stops.cancel(build.id, reason);
    await deps.audit.append({
      id: `cancel-${job.delivery}`,
      kind: 'cancel',
      at: new Date().toISOString(),
      buildId: build.id,
      repo: repoName,
      actor: button.user,
      reason,
      from: FROM,
    });
    return reason;
  }
  try {
    const rerun = await deps.rerun({
      buildId: build.id,
      failedOnly: button.failedOnly,
      ...(button.stage ? { stage: button.stage } : {}),
      by: button.user,
      via: button.via,
      key: job.delivery,
      from: FROM,
    });
    deps.logger.info('re-run requested on GitHub', { of: build.id, buildId: rerun.buildId, user: button.user });
    return `re-run of ${build.id} as ${rerun.buildId}`;
  } catch (err) {
    // Refused for good (nothing failed, not finished): say so, and do not retry.
    if ((err as { name?: string }).name === 'RerunRefused') return (err as Error).message;
    throw err;
  }
}

/** A suite has no build id: the newest build of that commit. */
async function newestBuildOf(
  repo: { owner: string; name: string },
  sha: string,
  deps: ButtonDeps,
): Promise<string | undefined> {
  const match = (await deps.builds.recent(RECENT)).find(
    (b) =>
      b.request.sha === sha &&
      b.request.repo.owner.toLowerCase() === repo.owner.toLowerCase() &&
      b.request.repo.name.toLowerCase() === repo.name.toLowerCase(),
  );
  return match?.id;
}
