/**
 * The demo: Slipway's receiver and executor as real processes, a GitHub stand-in with a
 * sample repository carrying `.buildspec.example.yml`, and one signed push webhook. It
 * prints each commit status as it changes and where to read the logs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitHubStandIn } from '../test/support/github-stand-in.js';
import { freePort } from '../test/support/slipway-harness.js';
import { pushPayload, signedHeaders } from '../test/support/webhook-payloads.js';
import { projectRoot } from '../services/shared/project-root.js';

const OWNER = 'acme';
const REPO = 'hello-slipway';
const SECRET = 'demo-webhook-secret';
const TOKEN = 'demo-token';
const STAGES = ['slipway/test', 'slipway/e2e', 'slipway/deploy/staging'];

async function main(): Promise<number> {
  const root = projectRoot();
  const logDir = join(root, '.slipway', 'demo');
  mkdirSync(logDir, { recursive: true });

  const standIn = await GitHubStandIn.start({ token: TOKEN });
  await standIn.createRepo(OWNER, REPO);
  const sha = await standIn.commit(OWNER, REPO, 'master', {
    'README.md': '# hello-slipway\nA sample repository for the Slipway demo.\n',
    '.buildspec.yml': readFileSync(join(root, '.buildspec.example.yml'), 'utf8'),
  });
  say(`GitHub stand-in at ${standIn.apiUrl}; repository ${OWNER}/${REPO}, master at ${sha.slice(0, 7)}`);

  // The operator's secrets: the example's staging deploy reads `demo-token`.
  const secretsFile = join(logDir, 'secrets.json');
  writeFileSync(secretsFile, JSON.stringify({ 'demo-token': 'demo-secret-value' }), { mode: 0o600 });

  const port = await freePort();
  const url = `http://localhost:${port}`;
  const env = {
    ...process.env,
    SLIPWAY_WEBHOOK_SECRET: SECRET,
    SLIPWAY_GITHUB_API_URL: standIn.apiUrl,
    SLIPWAY_GITHUB_TOKEN: TOKEN,
    SLIPWAY_PORT: String(port),
    SLIPWAY_PUBLIC_URL: url,
    // The sample repository is public: its builds, logs and dashboard are readable without signing in.
    SLIPWAY_PUBLIC_READS: '1',
    SLIPWAY_REDIS_URL: process.env.SLIPWAY_REDIS_URL ?? 'redis://127.0.0.1:6379/15',
    SLIPWAY_SECRETS_FILE: secretsFile,
    SLIPWAY_CLONE_URL_REWRITE: `https://github.com/=${standIn.cloneUrl('x', 'y').replace(/x\/y\.git$/, '')}`,
  };
  const cli = join(root, 'dist', 'services', 'cli', 'slipway.js');
  const children: ChildProcess[] = ['server', 'executor'].map((command) => {
    const out = openSync(join(logDir, `${command}.log`), 'w');
    return spawn(process.execPath, [cli, command], { env, stdio: ['ignore', out, out] });
  });
  const stop = async () => {
    for (const child of children) child.kill('SIGTERM');
    await standIn.stop();
  };
  try {
    await waitFor(
      async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok === true,
      15_000,
      `Slipway to listen (see ${logDir}/server.log)`,
    );
    say(`Slipway listening at ${url} (logs: ${logDir}/server.log, executor.log)`);

    const payload = pushPayload({
      owner: OWNER,
      repo: REPO,
      cloneUrl: `https://github.com/${OWNER}/${REPO}.git`,
      branch: 'master',
      before: '0'.repeat(40),
      after: sha,
    });
    const body = JSON.stringify(payload);
    const res = await fetch(`${url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders('push', body, SECRET, crypto.randomUUID()),
      body,
    });
    const answer = (await res.json()) as { build?: string };
    say(`delivered a signed push webhook: HTTP ${res.status} ${JSON.stringify(answer)}`);

    const seen = new Set<string>();
    await waitFor(
      async () => {
        for (const s of standIn.statuses(OWNER, REPO, sha)) {
          const line = `${s.context.padEnd(24)} ${s.state.padEnd(8)} ${s.description ?? ''}`;
          if (!seen.has(line)) {
            seen.add(line);
            say(`status  ${line}`);
          }
        }
        return STAGES.every((c) =>
          ['success', 'failure', 'error'].includes(standIn.latestStatus(OWNER, REPO, sha, c)?.state ?? 'pending'),
        );
      },
      180_000,
      'every stage to finish',
    );

    type Build = { state: string; links: Record<string, string> };
    let build: Build | undefined;
    // The statuses are final a moment before the build record is (teardown comes last).
    await waitFor(
      async () => {
        build = (await (await fetch(`${url}/builds/${answer.build}`)).json()) as Build;
        return !['queued', 'waiting', 'running'].includes(build.state);
      },
      60_000,
      'the build to end',
    );
    if (!build) throw new Error('no build record');
    say(`build ${answer.build}: ${build.state}`);
    say(`dashboard: ${url}/  (this build: ${url}/builds/${answer.build})`);
    for (const [step, link] of Object.entries(build.links)) say(`  ${step.padEnd(32)} ${url}${link}`);
    const unit = await (await fetch(`${url}${build.links.unit}`)).text();
    say(`\nlog of step "unit":\n${unit}`);

    if (process.stdin.isTTY) {
      say(`Slipway is still running at ${url}: open the links above. Press Ctrl-C to stop.`);
      await new Promise((resolve) => process.once('SIGINT', resolve));
    }
    return build.state === 'success' ? 0 : 1;
  } finally {
    await stop();
  }
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
