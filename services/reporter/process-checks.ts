import { createHash } from 'node:crypto';
import { checkRunsFor, LOG_TAIL_LINES } from '../core/checks/check-runs-for.js';
import { batches } from '../core/checks/parse-annotations.js';
import { statusCheckRun } from '../core/checks/status-check-run.js';
import type { CheckAnnotation, CheckRunDraft } from '../core/checks/types.js';
import { TransientError } from '../core/errors/slipway-error.js';
import type { GitHubChecks } from '../shared/github-checks.js';
import type { BuildStore } from '../shared/ports/build-store.js';
import type { CheckLedger, CheckRunKey } from '../shared/ports/check-ledger.js';
import type { LogStore } from '../shared/ports/log-store.js';
import type { StatusJob } from '../shared/queues.js';
import { statusLinks } from '../shared/status-queue.js';

export interface CheckReporterDeps {
  /** The Checks client of the job's repository (its installation's). */
  github: GitHubChecks;
  ledger: CheckLedger;
  builds: Pick<BuildStore, 'get'>;
  logs: Pick<LogStore, 'read'>;
  publicUrl: string;
  /** This replica's name, for the ledger's claims. */
  replica: string;
  /** A step's own annotations (from `$SLIPWAY_ANNOTATIONS`), when the executor kept them. */
  stepAnnotations?: (buildId: string, stepKey: string) => Promise<readonly CheckAnnotation[]>;
}

/** How long a reporter may hold a check run before another may post to it. */
const CLAIM_MS = 60_000;

/**
 * Brings the check runs of a status job's build up to date on GitHub: every stage's run as the
 * build record says now (so a job handled late or twice posts the current state, never an
 * older one), or, for a check about the commit that the record does not hold, a run beside
 * the status. Each run is created once and updated only when it changed; its annotations go
 * 50 per request. GitHub errors are thrown for the queue to retry this job alone.
 */
export async function processChecks(job: StatusJob, deps: CheckReporterDeps): Promise<{ posted: number }> {
  const repo = { owner: job.owner, name: job.repo };
  const links = statusLinks(deps.publicUrl, job.buildId);
  const record = await deps.builds.get(job.buildId);
  let drafts: CheckRunDraft[] = [];
  if (record && record.request.sha === job.sha) {
    const failed = record.stages.flatMap((s) => s.steps).filter((s) => s.state === 'failure' || s.state === 'error');
    const logTails: Record<string, string[]> = {};
    for (const step of failed)
      logTails[step.key] = (await deps.logs.read(record.id, step.key)).slice(-LOG_TAIL_LINES).map((l) => l.text);
    const stepAnnotations: Record<string, readonly CheckAnnotation[]> = {};
    if (deps.stepAnnotations)
      for (const step of record.stages.flatMap((s) => s.steps))
        stepAnnotations[step.key] = await deps.stepAnnotations(record.id, step.key);
    drafts = checkRunsFor(record, { links, logTails, stepAnnotations });
  }
  if (!drafts.some((d) => d.name === job.status.context)) {
    drafts.push(statusCheckRun(job.status, { buildId: job.buildId, sha: job.sha, detailsUrl: links.build }));
  }
  let posted = 0;
  for (const draft of drafts)
    posted += await syncRun(repo, { buildId: job.buildId, sha: draft.headSha, name: draft.name }, draft, deps);
  return { posted };
}

/** Creates or updates one run, holding its claim; returns how many requests it made. */
async function syncRun(
  repo: { owner: string; name: string },
  key: CheckRunKey,
  draft: CheckRunDraft,
  deps: CheckReporterDeps,
): Promise<number> {
  if (!(await deps.ledger.claim(key, deps.replica, CLAIM_MS)))
    throw new TransientError('check-run-busy', `another reporter is posting ${draft.name} of build ${key.buildId}`, {
      retryAfterMs: 2_000,
    });
  try {
    const entry = await deps.ledger.get(key);
    const fingerprint = fingerprintOf(draft);
    const todo = batches(draft.annotations.slice(entry.annotationsSent));
    if (entry.id !== undefined && entry.fingerprint === fingerprint && todo.length === 0) return 0;
    let { id, annotationsSent: sent } = entry;
    let requests = 0;
    for (const batch of todo.length > 0 ? todo : [[]]) {
      const post = { ...draft, annotations: batch };
      if (id === undefined) id = await deps.github.createCheckRun(repo, post);
      else await deps.github.updateCheckRun(repo, id, post);
      sent += batch.length;
      requests += 1;
      await deps.ledger.save(key, { id, fingerprint, annotationsSent: sent });
    }
    return requests;
  } finally {
    await deps.ledger.release(key, deps.replica);
  }
}

/** What GitHub shows of a run, annotations aside: posting the same again changes nothing. */
function fingerprintOf(draft: CheckRunDraft): string {
  return createHash('sha256')
    .update(JSON.stringify({ ...draft, annotations: undefined }))
    .digest('hex')
    .slice(0, 32);
}
