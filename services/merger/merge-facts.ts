import type { RepoRef } from '../core/builds/types.js';
import type { SpecParser } from '../core/buildspec/parse-spec.js';
import type { SpecPolicy } from '../core/buildspec/types.js';
import { promotionTarget } from '../core/merge-queue/promotion-target.js';
import { approvingReviewers, promotionApprovals } from '../core/merge-queue/review-approvals.js';
import type { HeadFacts, QueuedPull } from '../core/merge-queue/types.js';
import type { GitHub, GitHubPeople } from '../shared/github.js';
import type { GitHubMerges, MergePull } from '../shared/github-merges.js';

/** Contexts the merge queue posts itself: never waited for. */
export const OWN_CONTEXTS = new Set(['slipway/merge-queue', 'slipway/up-to-date']);

export interface FactsDeps {
  github: Pick<GitHub, 'fileAt'> & Pick<GitHubPeople, 'roleOf' | 'inTeam' | 'behindBy'> & GitHubMerges;
  parseSpec: SpecParser;
  policy: SpecPolicy;
  /** Slipway can rebase branches here (a git workspace is configured). */
  canRebase: boolean;
  now: Date;
}

/** What the head's assessment needs, plus the promotion it would be, if any. */
export interface GatheredFacts {
  facts: HeadFacts;
  pull: MergePull;
  promotion?: { environment: string; approvers: string[] };
}

/**
 * Asks GitHub about a queue's head: the pull request, how far behind its base the queued sha
 * is, the required contexts (branch protection's, else the policy's `mergeRequiredContexts`,
 * else every context reported on the commit) and their states, and for a promotion the
 * staging check and the approving reviews on the current head, judged by the environment's
 * rules in the spec at that commit.
 */
export async function gatherFacts(entry: QueuedPull, repo: RepoRef, deps: FactsDeps): Promise<GatheredFacts> {
  const { github } = deps;
  const pull = await github.pull(repo, entry.number);
  const stillHead = pull.headSha === entry.sha;
  const behindBy = stillHead && pull.state === 'open' ? await github.behindBy(repo, entry.base, entry.sha) : 0;
  const checks = await github.checks(repo, entry.sha);
  const named = (await github.requiredContexts(repo, entry.base)) ?? deps.policy.mergeRequiredContexts;
  const required = (named && named.length > 0 ? named : Object.keys(checks)).filter((c) => !OWN_CONTEXTS.has(c));
  const facts: HeadFacts = {
    state: pull.state,
    merged: pull.merged,
    headSha: pull.headSha,
    behindBy,
    required,
    checks,
    rebase: Boolean(deps.policy.mergeRebase) && deps.canRebase,
  };
  const text = stillHead ? await github.fileAt(repo, '.buildspec.yml', entry.sha) : undefined;
  const parsed = text === undefined ? undefined : deps.parseSpec(text, deps.policy);
  const target = parsed?.ok ? promotionTarget(parsed.spec, entry.base) : undefined;
  if (!target) return { facts, pull };
  const rules = target.environment.approval;
  const reviewers = [];
  if (rules) {
    for (const user of approvingReviewers(
      await github.reviews(repo, entry.number),
      entry.sha,
      deps.now,
      rules.expiresMs,
    )) {
      const teams = [];
      for (const team of rules.teams) if (await github.inTeam(team, user)) teams.push(team);
      reviewers.push({ user, facts: { role: await github.roleOf(repo, user), teams } });
    }
  }
  const approvals = promotionApprovals(rules, pull.author, reviewers);
  facts.promotion = {
    stagingVerified: target.needsStaging ? checks['slipway/staging-verified'] : 'success',
    approvals,
  };
  return { facts, pull, promotion: { environment: target.environment.name, approvers: approvals.approvers } };
}
