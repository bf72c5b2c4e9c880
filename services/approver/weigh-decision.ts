import type { PersonFacts } from '../core/approval/approval.js';
import type { RepoRef } from '../core/builds/types.js';
import type { GitHubPeople } from '../shared/github.js';

/**
 * Whether `user`'s word counts, by `rule` (mayDecide for approvals, mayDecideGate for manual
 * tests): the facts it needs (the person's role on the repository, and which of the named
 * teams they are in) asked of GitHub. As a decision records it: `counted`, and `why` when not.
 */
export async function weighDecision(
  github: GitHubPeople,
  repo: RepoRef,
  user: string,
  teams: readonly string[],
  rule: (facts: PersonFacts) => { ok: true } | { ok: false; why: string },
): Promise<{ counted: true } | { counted: false; why: string }> {
  const member = [];
  for (const team of teams) if (await github.inTeam(team, user)) member.push(team);
  const verdict = rule({ role: await github.roleOf(repo, user), teams: member });
  return verdict.ok ? { counted: true } : { counted: false, why: verdict.why };
}
