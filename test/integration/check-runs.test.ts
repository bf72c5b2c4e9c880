import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Logger } from '../../services/shared/logger.js';
import { appKeys } from '../support/github-app-keys.js';
import { GitHubStandIn, type StoredCheckRun } from '../support/github-stand-in.js';
import {
  eventually,
  freshRedisUrl,
  startSlipway,
  WEBHOOK_SECRET,
  type RunningSlipway,
} from '../support/slipway-harness.js';
import { examplePayload, pullRequestPayload, pushPayload, signedHeaders } from '../support/webhook-payloads.js';

const APP = '5150';
/** Two installations of one App, each on its own account's repository. */
const ALPHA = { owner: 'acme', repo: 'alpha', installation: 71 };
const BETA = { owner: 'globex', repo: 'beta', installation: 72 };
const ZERO = '0'.repeat(40);

const image = 'slipway/busybox:1';
const PR_SPEC = `test:
  - {name: unit, image: ${image}, commands: ["echo unit ok"]}
  - {name: lint, image: ${image}, allow_failure: true, commands: ["echo 'style: 3 problems'", "exit 1"]}
e2e:
  - {name: browser, image: ${image}, commands: ["echo 'expected <title>Home</title>'", "exit 2"]}
`;

/** A logger that keeps what it was told. */
function recordingLogger(): Logger & { said: Array<{ level: string; msg: string }> } {
  const said: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (msg: string) => void said.push({ level, msg });
  const logger = { said, info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

/**
 * Slipway as a GitHub App with two installations, on the real swarm: check runs on the
 * stand-in's Checks API, annotations on a broken spec, the Checks tab's buttons.
 */
describe('check runs', () => {
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  const logger = recordingLogger();
  let n = 0;

  beforeAll(async () => {
    const redisUrl = await freshRedisUrl(15);
    // The stand-in demands a token Slipway does not have: only installation tokens will do.
    standIn = await GitHubStandIn.start({ token: 'not-slipways' });
    const keys = appKeys();
    for (const r of [ALPHA, BETA]) {
      standIn.registerApp(APP, keys.publicKey, r.installation, [`${r.owner}/${r.repo}`]);
      await standIn.createRepo(r.owner, r.repo);
    }
    standIn.setPermission(ALPHA.owner, ALPHA.repo, 'boss', 'maintain');
    standIn.setPermission(ALPHA.owner, ALPHA.repo, 'mallory', 'write');
    standIn.setPermission(ALPHA.owner, ALPHA.repo, 'dev', 'write');
    slipway = await startSlipway({
      standIn,
      redisUrl,
      logger,
      env: { SLIPWAY_GITHUB_TOKEN: '', SLIPWAY_GITHUB_APP_ID: APP, SLIPWAY_GITHUB_APP_PRIVATE_KEY: keys.privateKey },
    });
  });

  afterAll(async () => {
    await slipway?.close();
    await standIn?.stop();
  });

  async function deliver(event: string, payload: unknown): Promise<void> {
    const body = JSON.stringify(payload);
    const res = await fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders(event, body, WEBHOOK_SECRET, `checks-${++n}`),
      body,
    });
    expect(res.status).toBe(202);
  }

  const installed = (payload: Record<string, unknown>, r: { installation: number }) => ({
    ...payload,
    installation: { id: r.installation, node_id: Buffer.from(`installation${r.installation}`).toString('base64') },
  });

  async function push(r: typeof ALPHA, branch: string, files: Record<string, string>): Promise<string> {
    const sha = await standIn.commit(r.owner, r.repo, branch, files);
    const payload = pushPayload({
      owner: r.owner,
      repo: r.repo,
      cloneUrl: `https://github.com/${r.owner}/${r.repo}.git`,
      branch,
      before: ZERO,
      after: sha,
    });
    await deliver('push', installed(payload, r));
    return sha;
  }

  /** The runs on a commit once every one is completed (and there are `count`). */
  const completedRuns = (r: typeof ALPHA, sha: string, count: number, externalId?: string) =>
    eventually(
      `${count} completed check runs on ${sha.slice(0, 7)}`,
      () => {
        const runs = standIn
          .checkRuns(r.owner, r.repo, sha)
          .filter((c) => externalId === undefined || c.external_id === externalId);
        return runs.length >= count && runs.every((c) => c.status === 'completed') ? runs : undefined;
      },
      120_000,
    );

  const byName = (runs: StoredCheckRun[]) => Object.fromEntries(runs.map((c) => [c.name, c]));

  let prSha = '';
  let prBuild = '';

  it('a pull request build shows one suite with a run per stage whose conclusions say what happened', async () => {
    const base = await standIn.commit(ALPHA.owner, ALPHA.repo, 'master', { 'README.md': 'alpha\n' });
    prSha = await standIn.commit(ALPHA.owner, ALPHA.repo, 'feature', { '.buildspec.yml': PR_SPEC }, 'spec', base);
    const payload = pullRequestPayload({
      owner: ALPHA.owner,
      repo: ALPHA.repo,
      headSha: prSha,
      baseRef: 'master',
      number: 7,
    });
    await deliver('pull_request', installed(payload, ALPHA));
    const runs = await completedRuns(ALPHA, prSha, 3);
    const named = byName(runs);
    // A pull request never deploys: its two stages, and whether its head is up to date with its base.
    expect(Object.keys(named).sort()).toEqual(['slipway/e2e', 'slipway/test', 'slipway/up-to-date']);
    expect(named['slipway/test']!.conclusion).toBe('neutral'); // only the allowed-to-fail lint failed
    expect(named['slipway/e2e']!.conclusion).toBe('failure');
    expect(named['slipway/up-to-date']!.conclusion).toBe('success');
    expect(new Set(runs.map((c) => c.suiteId)).size).toBe(1);
    expect(runs.every((c) => c.installationId === ALPHA.installation)).toBe(true);
    // Which of queued and in_progress GitHub saw depends on how fast the build ran; each run ended once.
    for (const run of runs) expect(run.history.filter((h) => h.startsWith('completed'))).toHaveLength(1);
    const e2e = named['slipway/e2e']!;
    prBuild = e2e.external_id;
    expect(e2e.details_url).toBe(`${slipway.config.publicUrl}/builds/${prBuild}`);
    expect(e2e.output.title).toBe('browser: failed with exit code 2');
    // The failing step's last lines, in a code block: the HTML in the log is text, not markup.
    expect(e2e.output.summary).toMatch(/```text\n(.*\n)*expected <title>Home<\/title>\n(.*\n)*```/);
    expect(e2e.output.summary).toContain(`/builds/${prBuild}/steps/`);
    expect(named['slipway/test']!.output.summary).toMatch(/\| \[lint\]\(.*\) \| ❌ failure \(exit 1\) \| \d+\.\ds \|/);
    // Statuses stay beside the checks (SLIPWAY_STATUSES defaults to on).
    await eventually('the e2e status beside the check', () =>
      standIn.latestStatus(ALPHA.owner, ALPHA.repo, prSha, 'slipway/e2e')?.state === 'failure' ? true : undefined,
    );
    expect(standIn.violations).toEqual([]);
  });

  it('a broken spec is a failed slipway/spec run with an annotation at the line and column', async () => {
    const sha = await push(ALPHA, 'broken', {
      '.buildspec.yml': `test:\n  - name: unit\n    image: ${image}\n    comands: [true]\n`,
    });
    const [spec] = await completedRuns(ALPHA, sha, 1);
    expect(spec).toMatchObject({ name: 'slipway/spec', conclusion: 'failure' });
    const typo = spec!.annotations.find((a) => /comands/.test(String(a.message)));
    expect(typo).toMatchObject({ path: '.buildspec.yml', start_line: 4, start_column: 5, annotation_level: 'failure' });
    expect(String(typo!.message)).toMatch(/Hint: .*commands/);
    for (const a of spec!.annotations) expect(a.path).toBe('.buildspec.yml');
  });

  it('stages after a failed one are skipped', async () => {
    const failing = [
      'test:',
      `  - {name: unit, image: ${image}, commands: ["exit 1"]}`,
      'e2e:',
      `  - {name: e, image: ${image}, commands: ["true"]}`,
      'deploy:',
      `  - {name: ship, image: ${image}, commands: ["true"]}`,
      '',
    ].join('\n');
    const sha = await push(ALPHA, 'skips', { '.buildspec.yml': failing });
    const named = byName(await completedRuns(ALPHA, sha, 3));
    expect(named['slipway/test']!.conclusion).toBe('failure');
    expect(named['slipway/e2e']!.conclusion).toBe('skipped');
    expect(named['slipway/deploy']!.conclusion).toBe('skipped');
    expect(named['slipway/e2e']!.output.title).toBe('Not run: test failed');
  });

  it('a build superseded by a newer push is cancelled, and its later stages with it', async () => {
    const slow = [
      'test:',
      `  - {name: slow, image: ${image}, commands: ["sleep 30"]}`,
      'e2e:',
      `  - {name: e, image: ${image}, commands: ["true"]}`,
      '',
    ].join('\n');
    const first = await push(ALPHA, 'busy', { '.buildspec.yml': slow });
    await eventually(
      'the first build running',
      () =>
        standIn
          .checkRuns(ALPHA.owner, ALPHA.repo, first)
          .find((c) => c.name === 'slipway/test' && c.status === 'in_progress'),
      60_000,
    );
    await push(ALPHA, 'busy', { 'x.txt': 'newer\n' });
    const named = byName(await completedRuns(ALPHA, first, 2));
    expect(named['slipway/test']!.conclusion).toBe('cancelled');
    expect(named['slipway/test']!.output.title).toMatch(/^Cancelled: superseded/);
    expect(named['slipway/e2e']!.conclusion).toBe('cancelled');
  });

  it('"Re-run" on a failed run re-runs that stage’s failed steps, as the person who clicked', async () => {
    const payload = examplePayload('check_run', (p) => p.action === 'rerequested');
    payload.check_run.name = 'slipway/e2e';
    payload.check_run.external_id = prBuild;
    payload.check_run.head_sha = prSha;
    payload.repository.name = ALPHA.repo;
    payload.repository.owner.login = ALPHA.owner;
    payload.sender.login = 'dev';
    await deliver('check_run', installed(payload, ALPHA));
    const rerun = await eventually(
      'a second build of the pull request commit',
      async () => (await slipway.builds.recent(50)).find((b) => b.request.sha === prSha && b.id !== prBuild),
      60_000,
    );
    expect(rerun.request.sender).toBe('dev');
    // That stage's failed step runs again; what passed is carried, as the API's re-run does.
    expect(rerun.request.rerunOf).toEqual({ buildId: prBuild, steps: ['browser'] });
    // By name: the re-run's up-to-date run may complete before its e2e run is made.
    const runs = await eventually(
      "the re-run's test and e2e runs completed",
      () => {
        const mine = byName(
          standIn.checkRuns(ALPHA.owner, ALPHA.repo, prSha).filter((c) => c.external_id === rerun.id),
        );
        const done = ['slipway/test', 'slipway/e2e'].every((name) => mine[name]?.status === 'completed');
        return done ? mine : undefined;
      },
      120_000,
    );
    expect(runs['slipway/e2e']!.conclusion).toBe('failure');
    expect(runs['slipway/test']!.conclusion).toBe('success');
    expect(runs['slipway/test']!.output.summary).toContain(`passed in build ${prBuild}`);
  });

  it('"Approve deploy" from someone the rules do not name changes nothing; from an approver it deploys', async () => {
    const spec = `test:\n  - {name: unit, image: ${image}, commands: ["true"]}
deploy:
  environments:
    production:
      branch: master
      approval: {users: [boss]}
      steps:
        - {name: ship, image: ${image}, commands: ["echo shipped"]}
`;
    const sha = await push(ALPHA, 'master', { '.buildspec.yml': spec });
    const parked = await eventually(
      'the deploy waiting for approval',
      () =>
        standIn
          .checkRuns(ALPHA.owner, ALPHA.repo, sha)
          .find((c) => c.name === 'slipway/deploy/production' && c.conclusion === 'action_required'),
      90_000,
    );
    expect(parked.actions.map((a) => a.identifier)).toEqual(['approve', 'reject']);
    const click = (login: string) => {
      const payload = examplePayload('check_run', (p) => p.action === 'requested_action');
      payload.check_run.name = parked.name;
      payload.check_run.external_id = parked.external_id;
      payload.check_run.head_sha = sha;
      payload.requested_action = { identifier: 'approve' };
      payload.repository.name = ALPHA.repo;
      payload.repository.owner.login = ALPHA.owner;
      payload.sender.login = login;
      return deliver('check_run', installed(payload, ALPHA));
    };
    await click('mallory');
    const refused = await eventually('mallory’s decision recorded', async () => {
      const b = await slipway.builds.get(parked.external_id);
      return b?.approval?.decisions.find((d) => d.user === 'mallory');
    });
    expect(refused).toMatchObject({ counted: false, via: 'check_run' });
    expect((await slipway.builds.get(parked.external_id))?.stages.at(-1)?.state).toBe('waiting');
    expect(standIn.deployments(ALPHA.owner, ALPHA.repo)).toEqual([]);
    await click('boss');
    const deployed = await eventually(
      'the deploy run completed',
      () =>
        standIn
          .checkRuns(ALPHA.owner, ALPHA.repo, sha)
          .find((c) => c.name === 'slipway/deploy/production' && c.conclusion === 'success'),
      90_000,
    );
    // Each report posts the build as it is then: a run may skip `queued` when the build moved on before it.
    expect(deployed.history.slice(-3)).toEqual(['completed/action_required', 'in_progress', 'completed/success']);
    const build = await slipway.builds.get(parked.external_id);
    expect(build?.approval?.decisions.find((d) => d.user === 'boss')).toMatchObject({
      counted: true,
      via: 'check_run',
    });
    expect(standIn.deployments(ALPHA.owner, ALPHA.repo).map((d) => d.environment)).toEqual(['production']);
  });

  it('two installations build side by side, each with its own tokens', async () => {
    const ok = `test:\n  - {name: unit, image: ${image}, commands: ["true"]}\n`;
    const before = [ALPHA, BETA].map((r) => standIn.installationTokensIssuedFor(r.installation));
    const [a, b] = await Promise.all([
      push(ALPHA, 'side', { '.buildspec.yml': ok }),
      push(BETA, 'side', { '.buildspec.yml': ok }),
    ]);
    const [runsA, runsB] = await Promise.all([completedRuns(ALPHA, a, 1), completedRuns(BETA, b, 1)]);
    expect(runsA.map((c) => [c.conclusion, c.installationId])).toEqual([['success', ALPHA.installation]]);
    expect(runsB.map((c) => [c.conclusion, c.installationId])).toEqual([['success', BETA.installation]]);
    expect(standIn.installationTokensIssuedFor(BETA.installation)).toBeGreaterThan(before[1]!);
    await eventually('the status beside the check', () =>
      standIn.latestStatus(BETA.owner, BETA.repo, b, 'slipway/test')?.state === 'success' ? true : undefined,
    );
    // A token of one installation never reached the other's repository (it would have been a 404).
    expect(standIn.requests.filter((r) => r.status === 404 || r.status === 401 || r.status === 403)).toEqual([]);
    expect(standIn.violations).toEqual([]);
  });

  it('a repository whose installation is gone stops building, with a log line that says why', async () => {
    standIn.uninstallApp(BETA.installation);
    const deleted = examplePayload('installation', (p) => p.action === 'deleted');
    deleted.installation.id = BETA.installation;
    await deliver('installation', deleted);
    const sha = await push(BETA, 'late', { '.buildspec.yml': 'test:\n  - {name: unit, image: x, commands: [true]}\n' });
    await new Promise((r) => setTimeout(r, 15000));
    console.log(JSON.stringify(logger.said.filter((s) => s.level !== 'info').slice(-20), null, 1));
    const line = await eventually('the planner’s log line', () =>
      logger.said.find((s) => s.level === 'error' && s.msg.startsWith(`not building ${BETA.owner}/${BETA.repo}`)),
    );
    expect(line.msg).toContain(`installation ${BETA.installation}`);
    expect(standIn.checkRuns(BETA.owner, BETA.repo, sha)).toEqual([]);
    expect(standIn.statuses(BETA.owner, BETA.repo, sha)).toEqual([]);
  });
});
