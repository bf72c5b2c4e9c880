import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { BuildRequest } from '../../services/core/builds/types.js';
import { recordForPlan } from '../../services/core/builds/record-for-plan.js';
import { compilePlan } from '../../services/core/plan/compile-plan.js';
import { SwarmBackend } from '../../services/executor/backend/swarm-backend.js';
import { runBuild } from '../../services/executor/run-build.js';
import { createLogger } from '../../services/shared/logger.js';
import { memoryState } from '../../services/shared/memory/memory-state.js';
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import { GitRepos } from '../support/github-stand-in/git-repos.js';
import { testInstance } from '../support/slipway-harness.js';

const GATEWAY = '172.17.0.1';
const USER = 'mirror-user';
const PASSWORD = 'mirror-p4ss-never-in-config';
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

/**
 * The checkout's credentials on the real swarm: a clone URL carrying credentials (as a
 * `SLIPWAY_CLONE_URL_REWRITE` rule may write it) clones from a git HTTP server that wants
 * them, yet they never land in `/workspace/.git/config` or a log, and a server the clone is
 * redirected to (another origin) is never given them.
 */
describe("the checkout's git credentials", () => {
  const backend = new SwarmBackend(new Docker(), { instance: testInstance('checkout-credentials') });
  let base: string;
  let sha: string;
  let mirror: GitHttpServer;
  let elsewhere: GitHttpServer;
  let redirecting: GitHttpServer;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'slipway-http-git-'));
    const repos = new GitRepos(base);
    await repos.create('acme', 'private');
    sha = await repos.commit('acme', 'private', 'master', { 'hello.txt': 'hello\n' });
    mirror = await startGitHttpServer({ basePath: base, user: USER, password: PASSWORD });
    elsewhere = await startGitHttpServer({ basePath: base, user: USER, password: PASSWORD });
    redirecting = await startGitHttpServer({ redirectTo: `http://${GATEWAY}:${elsewhere.port}` });
  });

  afterAll(async () => {
    await Promise.all([mirror?.stop(), elsewhere?.stop(), redirecting?.stop()]);
    rmSync(base, { recursive: true, force: true });
  });

  async function build(port: number): Promise<{ state: string; log: (step: string) => Promise<string> }> {
    const request: BuildRequest = {
      id: `creds-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
      event: 'push',
      repo: { owner: 'acme', name: 'private' },
      sha,
      ref: 'refs/heads/master',
      cloneUrl: `http://${USER}:${PASSWORD}@${GATEWAY}:${port}/acme/private.git`,
      sender: 'octocat',
    };
    const spec = {
      test: [
        {
          name: 'config',
          image: 'slipway/git:1',
          commands: ['cat /workspace/.git/config', `grep -rl ${PASSWORD.slice(0, 10)} /workspace/.git || echo clean`],
        },
      ],
    };
    const plan = compilePlan(spec as never, request, { gitImage: 'slipway/git:1' });
    const state = memoryState();
    await state.builds.create(recordForPlan(plan, new Date().toISOString()));
    const outcome = await runBuild(plan, {
      backend,
      builds: state.builds,
      logs: state.logs,
      report: async () => undefined,
      secretsFor: () => ({}),
      schedulingTimeoutMs: 20_000,
      logger: createLogger('test', true),
    });
    return {
      state: outcome,
      log: async (step) => (await state.logs.read(plan.buildId, step)).map((l) => l.text).join('\n'),
    };
  }

  it("clones with the URL's credentials, which are in neither .git/config nor a log", async () => {
    const { state, log } = await build(mirror.port);
    expect(state).toBe('success');
    expect(mirror.seen.some((r) => r.authorization === BASIC)).toBe(true);
    const config = await log('config');
    expect(config).toContain(`url = http://${GATEWAY}:${mirror.port}/acme/private.git`);
    expect(config).toContain('clean');
    expect(config + (await log('checkout'))).not.toContain(PASSWORD);
  }, 120_000);

  it('gives the credentials to no other origin: a clone redirected elsewhere is refused there', async () => {
    const { state, log } = await build(redirecting.port);
    expect(state).toBe('error');
    // The clone did follow the redirect: the other server was asked, and never with the credentials.
    expect(elsewhere.seen.length).toBeGreaterThan(0);
    expect(elsewhere.seen.map((r) => r.authorization)).not.toContain(BASIC);
    expect(await log('checkout')).not.toContain(PASSWORD);
  }, 120_000);
});
