import type { RepoRef } from '../core/builds/types.js';
import type { CheckAnnotation, CheckRunDraft } from '../core/checks/types.js';
import type { SlipwayOctokit } from './octokit.js';

/** A check run's fields as posted: the draft, with only this request's batch of annotations. */
export type CheckRunPost = Omit<CheckRunDraft, 'annotations'> & { annotations: readonly CheckAnnotation[] };

/**
 * The Checks API calls Slipway makes (GitHub Apps only: a token answers 403). Errors are
 * typed like every GitHub call's (see github.ts).
 */
export interface GitHubChecks {
  /**
   * Creates a check run on the commit; returns its id. Made once per name and `externalId`:
   * such a run already on the commit (a create whose answer was lost) is updated to `run`
   * instead, and the create is never retried in place, since a 5xx may come after GitHub made it.
   */
  createCheckRun(repo: RepoRef, run: CheckRunPost): Promise<number>;
  /** Brings a check run to `run`; GitHub adds the annotations to those it has. */
  updateCheckRun(repo: RepoRef, id: number, run: CheckRunPost): Promise<void>;
}

/** The Checks calls on one Octokit; `call` types the errors. */
export function checksOn(octokit: SlipwayOctokit, call: <T>(run: () => Promise<T>) => Promise<T>): GitHubChecks {
  return {
    createCheckRun: (repo, run) =>
      call(async () => {
        const made = await octokit.paginate(octokit.rest.checks.listForRef, {
          owner: repo.owner,
          repo: repo.name,
          ref: run.headSha,
          check_name: run.name,
          filter: 'all',
          per_page: 100,
        });
        const mine = made.find((r) => r.external_id === run.externalId);
        if (mine) {
          // It was made with this batch of annotations already: sent again they would be there twice.
          const again = fields({ ...run, annotations: [] });
          await octokit.rest.checks.update({ owner: repo.owner, repo: repo.name, check_run_id: mine.id, ...again });
          return mine.id;
        }
        const res = await octokit.rest.checks.create({
          owner: repo.owner,
          repo: repo.name,
          head_sha: run.headSha,
          ...fields(run),
          request: { retries: 0 },
        });
        return res.data.id;
      }),
    updateCheckRun: (repo, id, run) =>
      call(async () => {
        await octokit.rest.checks.update({ owner: repo.owner, repo: repo.name, check_run_id: id, ...fields(run) });
      }),
  };
}

/** The request body both calls share. */
function fields(run: CheckRunPost) {
  return {
    name: run.name,
    external_id: run.externalId,
    details_url: run.detailsUrl,
    status: run.status,
    ...(run.conclusion ? { conclusion: run.conclusion } : {}),
    ...(run.startedAt ? { started_at: run.startedAt } : {}),
    ...(run.completedAt ? { completed_at: run.completedAt } : {}),
    output: { title: run.output.title, summary: run.output.summary, annotations: [...run.annotations] },
    actions: [...run.actions],
  };
}
