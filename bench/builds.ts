import { compilePlan } from '../services/core/plan/compile-plan.js';
import { specParser } from '../services/shared/spec-parser.js';
import type { GitHubStandIn } from '../test/support/github-stand-in.js';
import { WEBHOOK_SECRET } from '../test/support/slipway-harness.js';
import { pushPayload, signedHeaders } from '../test/support/webhook-payloads.js';
import type { FloorJob } from './floor.js';
import { until } from './figures.js';

export const OWNER = 'bench';

/** A spec with the given stages, each step `echo ok` in busybox. */
export function specOf(stages: { test?: number; e2e?: number; deploy?: boolean }): string {
  const steps = (prefix: string, n: number, indent: string) =>
    Array.from(
      { length: n },
      (_, i) =>
        `${indent}- name: ${prefix}${n > 1 ? `-${i + 1}` : ''}\n${indent}  image: slipway/busybox:1\n` +
        `${indent}  commands: [echo ok]\n`,
    ).join('');
  let spec = 'version: 1\n';
  if (stages.test) spec += `test:\n${steps('unit', stages.test, '  ')}`;
  if (stages.e2e) spec += `e2e:\n${steps('e2e', stages.e2e, '  ')}`;
  if (stages.deploy)
    spec +=
      'deploy:\n  environments:\n    staging:\n      branch: master\n      steps:\n' + steps('ship', 1, '        ');
  return spec;
}

/** The contexts whose final statuses end a build of `specOf(stages)`. */
export function contextsOf(stages: { test?: number; e2e?: number; deploy?: boolean }): string[] {
  return [
    ...(stages.test ? ['slipway/test'] : []),
    ...(stages.e2e ? ['slipway/e2e'] : []),
    ...(stages.deploy ? ['slipway/deploy/staging', 'slipway/staging-verified'] : []),
  ];
}

/** Posts a signed push of `sha` to `branch`; resolves with the build id the receiver answered. */
export async function push(url: string, repo: string, branch: string, sha: string, delivery: string): Promise<string> {
  const body = JSON.stringify(
    pushPayload({
      owner: OWNER,
      repo,
      cloneUrl: `https://github.com/${OWNER}/${repo}.git`,
      branch,
      before: '0'.repeat(40),
      after: sha,
    }),
  );
  const res = await fetch(`${url}/webhooks`, {
    method: 'POST',
    headers: signedHeaders('push', body, WEBHOOK_SECRET, delivery),
    body,
  });
  if (res.status !== 202) throw new Error(`bench: push answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { build: string }).build;
}

/** Resolves when every context has a final status on `sha` (polled every 5 ms in this process). */
export function finalStatuses(
  standIn: GitHubStandIn,
  repo: string,
  sha: string,
  contexts: string[],
  timeoutMs = Number(process.env.SLIPWAY_BENCH_TIMEOUT_MS ?? 300_000),
): Promise<Record<string, string>> {
  return until(
    () => `final statuses on ${sha.slice(0, 7)} (has ${JSON.stringify(standIn.statuses(OWNER, repo, sha))})`,
    () => {
      const states: Record<string, string> = {};
      for (const context of contexts) {
        const s = standIn.latestStatus(OWNER, repo, sha, context);
        if (!s || s.state === 'pending') return undefined;
        states[context] = s.state;
      }
      return states;
    },
    timeoutMs,
  );
}

/** The same Swarm jobs Slipway runs for `spec` at `sha` (checkout first), for the floor. */
export function floorJobsOf(standIn: GitHubStandIn, repo: string, spec: string, sha: string): FloorJob[] {
  const parsed = specParser()(spec);
  if (!parsed.ok) throw new Error('bench: bad spec');
  const plan = compilePlan(
    parsed.spec,
    {
      id: 'floor',
      event: 'push',
      repo: { owner: OWNER, name: repo },
      sha,
      ref: 'refs/heads/master',
      cloneUrl: standIn.cloneUrl(OWNER, repo),
      sender: 'bench',
    },
    { gitImage: 'slipway/git:1' },
  );
  return [plan.checkout, ...plan.stages.flatMap((s) => s.steps)].map((s) => ({ image: s.image, script: s.script }));
}
