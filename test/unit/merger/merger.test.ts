import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { processMerge, type MergerDeps } from '../../../services/merger/process-merge.js';
import { createGitHub } from '../../../services/shared/github.js';
import { createGitHubMerges } from '../../../services/shared/github-merges.js';
import { createLogger } from '../../../services/shared/logger.js';
import { memoryState, type MemoryState } from '../../../services/shared/memory/memory-state.js';
import type { MergeJob } from '../../../services/shared/queues.js';
import { specParser } from '../../../services/shared/spec-parser.js';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { appKeys } from '../../support/github-app-keys.js';
import { GitHubStandIn, quietLog } from '../../support/github-stand-in.js';
import { PROMOTION_SPEC } from '../../support/merge-fixtures.js';

const TOKEN = 'merger-token';
const OWNER = 'acme';

/** The merge queue's handler on memory ports, through the real GitHub clients to the stand-in. */
describe('the merge queue', () => {
  let standIn: GitHubStandIn;
  let state: MemoryState;
  let deps: MergerDeps;
  let repo: string;
  let count = 0;
  // The stand-in is no GitHub: no need to pace writes a second apart.
  const ci = () => createGitHub(standIn.apiUrl, { token: TOKEN }, undefined, { writeGapMs: 0 });

  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1', token: TOKEN });
  });

  afterAll(async () => {
    await standIn?.stop();
  });

  beforeEach(async () => {
    count += 1;
    repo = `app${count}`;
    await standIn.createRepo(OWNER, repo);
    await standIn.commit(OWNER, repo, 'master', { '.buildspec.yml': PROMOTION_SPEC, 'README.md': '# app\n' });
    standIn.setPermission(OWNER, repo, 'walt', 'write');
    standIn.setPermission(OWNER, repo, 'rita', 'read');
    standIn.setPermission(OWNER, repo, 'alice', 'maintain');
    standIn.setPermission(OWNER, repo, 'mallory', 'admin');
    state = memoryState();
    const github = createGitHub(standIn.apiUrl, { token: TOKEN }, undefined, { writeGapMs: 0 });
    deps = {
      github: { ...github, ...createGitHubMerges(standIn.apiUrl, { token: TOKEN }, undefined, { writeGapMs: 0 }) },
      mergeQueue: state.mergeQueue,
      queues: state.queues,
      audit: state.audit,
      logger: createLogger('test', true),
      parseSpec: specParser(),
      policyFor: () => ({ mergeRequiredContexts: ['slipway/test'] }),
      now: clock(),
    };
  });

  /**
   * The time from the start of a recheck slot, a millisecond later at each look: a slow machine
   * never carries one test's calls across a slot boundary, and order stays as it happened.
   */
  function clock(): () => Date {
    let at = Math.floor(Date.now() / 30_000) * 30_000;
    return () => new Date(at++);
  }

  /** A pull request `number` from a new branch `name` (started from `from`) into `base`. */
  async function pull(number: number, name: string, from = 'master', base = 'master'): Promise<string> {
    const sha = await standIn.commit(OWNER, repo, name, { [`${name}.txt`]: `${name}\n` }, name, from);
    standIn.addPullRequest(OWNER, repo, { number, headSha: sha, headRef: name, baseRef: base, user: 'octocat' });
    return sha;
  }
  const green = (sha: string, context = 'slipway/test') =>
    ci().createStatus({ owner: OWNER, name: repo }, sha, { context, state: 'success', description: 'passed' });
  const command = (pullRequest: number, user = 'walt', what: 'merge' | 'cancel' = 'merge'): MergeJob => ({
    kind: 'command',
    owner: OWNER,
    repo,
    pullRequest,
    user,
    command: what,
    via: 'comment',
  });
  const nudge = (): MergeJob => ({ kind: 'advance', owner: OWNER, repo });
  const lastComment = (n: number) => standIn.comments(OWNER, repo, n).at(-1)?.body;
  const queueStatus = (sha: string) => standIn.latestStatus(OWNER, repo, sha, 'slipway/merge-queue');

  it('/merge on an up-to-date green pull request fast-forwards master to its head, shown merged', async () => {
    const sha = await pull(1, 'feature');
    await green(sha);
    expect(await processMerge(command(1), deps)).toBe('queued 1 in line');
    expect(await standIn.resolve(OWNER, repo, 'master')).toBe(sha);
    expect(standIn.pullRequest(OWNER, repo, 1)).toMatchObject({ state: 'closed', merged: true });
    expect(lastComment(1)).toBe('Merged: `master` moved to ' + sha.slice(0, 7) + ' by fast-forward (no merge commit).');
    expect(queueStatus(sha)).toMatchObject({ state: 'success', description: 'Merged into master by fast-forward' });
    expect(await state.mergeQueue.list(`${OWNER}/${repo}`, 'master')).toEqual([]);
    const audit = await state.audit.list({ repo: `${OWNER}/${repo}`, limit: 100 });
    expect(audit.map((e) => (e.kind === 'merge-queue' ? `${e.event} by ${e.actor}` : e.kind))).toEqual([
      'queued by walt',
      'merged by slipway',
    ]);
    expect(standIn.violations).toEqual([]);
  });

  it('a stale pull request is not merged; the comment and slipway/up-to-date say why', async () => {
    const sha = await pull(2, 'stale');
    await standIn.commit(OWNER, repo, 'master', { 'other.txt': 'moved\n' }, 'master moved');
    const before = await standIn.resolve(OWNER, repo, 'master');
    await green(sha);
    await processMerge(command(2), deps);
    expect(await standIn.resolve(OWNER, repo, 'master')).toBe(before);
    expect(standIn.pullRequest(OWNER, repo, 2)?.merged).toBe(false);
    expect(lastComment(2)).toBe(
      'Taken out of the merge queue: master has 1 commit this branch lacks, so it cannot be merged as a ' +
        'fast-forward: rebase it onto master, push, and say /merge again.',
    );
    expect(standIn.latestStatus(OWNER, repo, sha, 'slipway/up-to-date')?.state).toBe('failure');
    expect(queueStatus(sha)?.state).toBe('failure');
  });

  it('two queued: the second shows "2nd in line", waits, and merges after the first, no merge commit', async () => {
    const start = (await standIn.resolve(OWNER, repo, 'master'))!;
    const first = await pull(3, 'first');
    const second = await pull(4, 'second', 'first');
    await processMerge(command(3), deps);
    await processMerge(command(4, 'alice'), deps);
    expect(queueStatus(first)).toMatchObject({
      state: 'pending',
      description: '1st in line: waiting for slipway/test',
    });
    expect(queueStatus(second)).toMatchObject({ state: 'pending', description: '2nd in line to merge into master' });
    expect(lastComment(4)).toBe(
      '@alice queued ' + second.slice(0, 7) + ' to merge into `master` by fast-forward: 2nd in line.',
    );
    expect(await standIn.resolve(OWNER, repo, 'master')).toBe(start);
    // A recheck is scheduled, so nothing waits in a worker.
    expect(state.queues.jobs('merges').map((j) => j.delayMs)).toEqual([30_000]);

    await green(second);
    await processMerge(nudge(), deps);
    expect(await standIn.resolve(OWNER, repo, 'master')).toBe(start);
    await green(first);
    await processMerge(nudge(), deps);
    expect(await standIn.resolve(OWNER, repo, 'master')).toBe(second);
    expect(standIn.pullRequest(OWNER, repo, 3)?.merged).toBe(true);
    expect(standIn.pullRequest(OWNER, repo, 4)?.merged).toBe(true);
    const history = await standIn.log(OWNER, repo, start, 'master');
    expect(history.map((c) => c.sha)).toEqual([first, second]);
    expect(history.every((c) => c.parents.length === 1)).toBe(true);
  });

  it('a new push, a failed check or a closed pull request takes it out with a comment saying why', async () => {
    const pushed = await pull(5, 'pushed');
    await processMerge(command(5), deps);
    const newer = await standIn.commit(OWNER, repo, 'pushed', { 'more.txt': 'more\n' });
    standIn.addPullRequest(OWNER, repo, {
      number: 5,
      headSha: newer,
      headRef: 'pushed',
      baseRef: 'master',
      user: 'octocat',
    });
    await green(newer);
    await processMerge(nudge(), deps);
    expect(lastComment(5)).toBe(
      `Taken out of the merge queue: a new push (${newer.slice(0, 7)}) came after ${pushed.slice(0, 7)} was queued: ` +
        'only the tested commit is merged; say /merge again for the new one.',
    );
    expect(standIn.pullRequest(OWNER, repo, 5)?.merged).toBe(false);

    const failing = await pull(6, 'failing');
    await ci().createStatus({ owner: OWNER, name: repo }, failing, {
      context: 'slipway/test',
      state: 'failure',
      description: 'unit failed',
    });
    await processMerge(command(6), deps);
    expect(lastComment(6)).toBe(
      `Taken out of the merge queue: the required check slipway/test failed on ${failing.slice(0, 7)}.`,
    );

    await pull(7, 'closing');
    await processMerge(command(7), deps);
    standIn.closePullRequest(OWNER, repo, 7);
    await processMerge(nudge(), deps);
    expect(lastComment(7)).toBe('Taken out of the merge queue: the pull request was closed.');
    expect(await state.mergeQueue.queued(`${OWNER}/${repo}`)).toEqual([]);
  });

  it('needs write permission to queue; /merge cancel takes it out', async () => {
    const sha = await pull(8, 'cancel-me');
    expect(await processMerge(command(8, 'rita'), deps)).toBe(
      'refused: @rita has read permission on this repository; /merge needs write permission',
    );
    expect(lastComment(8)).toBe(
      'Not queued: @rita has read permission on this repository; /merge needs write permission.',
    );
    await processMerge(command(8), deps);
    expect(await processMerge(command(8, 'walt', 'cancel'), deps)).toBe('cancelled');
    expect(lastComment(8)).toBe('@walt took this pull request out of the merge queue (/merge cancel).');
    await green(sha);
    await processMerge(nudge(), deps);
    expect(standIn.pullRequest(OWNER, repo, 8)?.merged).toBe(false);
  });

  it('branch protection names the required checks; the others do not hold a merge', async () => {
    standIn.protect(OWNER, repo, 'master', ['slipway/test', 'ci/lint']);
    const sha = await pull(9, 'protected');
    await green(sha);
    await ci().createStatus({ owner: OWNER, name: repo }, sha, {
      context: 'other/bot',
      state: 'pending',
      description: '',
    });
    await processMerge(command(9), deps);
    expect(queueStatus(sha)?.description).toBe('1st in line: waiting for ci/lint');
    await green(sha, 'ci/lint');
    await processMerge(nudge(), deps);
    expect(standIn.pullRequest(OWNER, repo, 9)?.merged).toBe(true);
  });

  it('counts check runs by name beside statuses (Slipway in App mode posts check runs)', async () => {
    standIn.protect(OWNER, repo, 'master', ['slipway/test']);
    const sha = await pull(10, 'checked');
    const keys = appKeys();
    standIn.registerApp('902', keys.publicKey, 32, [`${OWNER}/${repo}`]);
    const octokit = new Octokit({
      baseUrl: standIn.apiUrl,
      authStrategy: createAppAuth,
      auth: { appId: '902', privateKey: keys.privateKey, installationId: 32 },
      log: quietLog,
    });
    const run = await octokit.rest.checks.create({
      owner: OWNER,
      repo,
      name: 'slipway/test',
      head_sha: sha,
      status: 'in_progress',
    });
    await processMerge(command(10), deps);
    expect(queueStatus(sha)?.description).toBe('1st in line: waiting for slipway/test');
    await octokit.rest.checks.update({
      owner: OWNER,
      repo,
      check_run_id: run.data.id,
      status: 'completed',
      conclusion: 'success',
    });
    await processMerge(nudge(), deps);
    expect(standIn.pullRequest(OWNER, repo, 10)?.merged).toBe(true);
  });

  describe('promotion from master to production', () => {
    let sha: string;
    beforeEach(async () => {
      sha = (await standIn.resolve(OWNER, repo, 'master'))!;
      await deps.github.createBranch({ owner: OWNER, name: repo }, 'production', sha);
      sha = await standIn.commit(OWNER, repo, 'master', { 'feature.txt': 'f\n' }, 'a feature');
      standIn.addPullRequest(OWNER, repo, {
        number: 20,
        headSha: sha,
        headRef: 'master',
        baseRef: 'production',
        user: 'walt',
      });
      await green(sha);
    });

    it('merges by fast-forward with one approving review by an allowed person, once staging verified it', async () => {
      await processMerge(command(20), deps);
      expect(queueStatus(sha)?.description).toBe(
        `1st in line: waiting for slipway/staging-verified: ${sha.slice(0, 7)} is not proven on staging yet`,
      );
      await green(sha, 'slipway/staging-verified');
      await processMerge(nudge(), deps);
      expect(queueStatus(sha)?.description).toBe(
        '1st in line: waiting for approval by alice (an approving review of this head)',
      );
      standIn.review(OWNER, repo, 20, 'alice', 'APPROVED');
      await processMerge(nudge(), deps);
      expect(await standIn.resolve(OWNER, repo, 'production')).toBe(sha);
      expect(standIn.pullRequest(OWNER, repo, 20)?.merged).toBe(true);
      expect(lastComment(20)).toContain('approved by @alice');
      expect(await state.mergeQueue.promotionOf(`${OWNER}/${repo}`, sha, 'production')).toMatchObject({
        approvers: ['alice'],
        pullRequest: 20,
      });
    });

    it('slipway promote opens a pull request pinned at the sha into production, queued as the person', async () => {
      const job: MergeJob = { kind: 'promote', owner: OWNER, repo, sha, user: 'walt' };
      expect(await processMerge(job, deps)).toBe('opened #21 into production');
      const opened = standIn.pullRequest(OWNER, repo, 21);
      expect(opened).toMatchObject({
        headSha: sha,
        baseRef: 'production',
        headRef: `slipway/promote-${sha.slice(0, 12)}`,
      });
      expect(state.queues.jobs('merges').map((j) => j.payload)).toContainEqual(
        expect.objectContaining({ kind: 'command', command: 'merge', pullRequest: 21, user: 'walt' }),
      );
      // A job run twice (or a second promote of the same sha) finds the pull request already open.
      expect(await processMerge(job, deps)).toBe('opened #21 into production');
      expect(await processMerge({ ...job, user: 'rita' }, deps)).toBe(
        'refused: @rita has read permission on this repository; /merge needs write permission',
      );
    });

    it('waits with a review from someone not allowed, or a review of an older head', async () => {
      await green(sha, 'slipway/staging-verified');
      standIn.review(OWNER, repo, 20, 'mallory', 'APPROVED');
      standIn.review(OWNER, repo, 20, 'alice', 'APPROVED', '1'.repeat(40));
      await processMerge(command(20), deps);
      expect(await standIn.resolve(OWNER, repo, 'production')).not.toBe(sha);
      expect(queueStatus(sha)?.description).toContain('waiting for approval by alice');
      expect(standIn.violations).toEqual([]);
    });
  });
});
