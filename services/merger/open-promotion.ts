import { mayQueue } from '../core/merge-queue/may-queue.js';
import { promotionEnvironment } from '../core/merge-queue/promotion-target.js';
import { safeJobId, type MergeJob } from '../shared/queues.js';
import type { MergerDeps } from './process-merge.js';

/**
 * `slipway promote SHA`: opens a pull request from a branch pinned at SHA
 * (`slipway/promote-<sha>`, so a later push to master cannot change what is promoted) into
 * the environment's branch, and queues it as the person who asked (write permission). The
 * queue then merges it like any other, once staging verified SHA and its approvals are met.
 * What went wrong is said in the answer (logged and in the job's result).
 */
export async function openPromotion(job: Extract<MergeJob, { kind: 'promote' }>, deps: MergerDeps): Promise<string> {
  const { github } = deps;
  const repo = { owner: job.owner, name: job.repo };
  const allowed = mayQueue(job.user, await github.roleOf(repo, job.user));
  if (!allowed.ok) return `refused: ${allowed.why}`;
  const text = await github.fileAt(repo, '.buildspec.yml', job.sha);
  if (text === undefined) return `refused: there is no .buildspec.yml at ${job.sha.slice(0, 7)}`;
  const parsed = deps.parseSpec(text, deps.policyFor(repo));
  if (!parsed.ok) return `refused: the spec at ${job.sha.slice(0, 7)} is not valid`;
  const target = promotionEnvironment(parsed.spec, job.environment);
  if (!target.ok) return `refused: ${target.why}`;
  const branch = `slipway/promote-${job.sha.slice(0, 12)}`;
  await github.createBranch(repo, branch, job.sha).catch((err: { code?: string }) => {
    if (err.code !== 'github-validation') throw err; // it exists already: a job run twice
  });
  const number = await github
    .openPull(
      repo,
      branch,
      target.branch,
      `Promote ${job.sha.slice(0, 7)} to ${target.name}`,
      `Opened by @${job.user} with \`slipway promote\`. Slipway merges it into \`${target.branch}\` by ` +
        `fast-forward once slipway/staging-verified is green for ${job.sha.slice(0, 7)} and its approvals ` +
        `are met (an approving review of this pull request counts).`,
    )
    .catch(async (err: { code?: string }) => {
      // GitHub refuses a second pull request with that head and base: a job run twice, or a second promote.
      if (err.code !== 'github-validation') throw err;
      const open = await github.openPullsInto(repo, target.branch);
      const same = open.find((p) => p.headSha === job.sha);
      if (!same) throw err;
      return same.number;
    });
  await deps.queues.add(
    'merges',
    {
      kind: 'command',
      owner: job.owner,
      repo: job.repo,
      pullRequest: number,
      user: job.user,
      command: 'merge',
      via: 'cli',
      ...(job.from ? { from: job.from } : {}),
    },
    { jobId: safeJobId(`merge-promote-${job.owner}-${job.repo}-${number}`) },
  );
  return `opened #${number} into ${target.branch}`;
}
