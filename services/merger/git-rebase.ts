import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** What a rebase came to: the pushed head, or why there is none (a conflict, a refused push). */
export type RebaseResult = { ok: true; sha: string } | { ok: false; why: string };

/**
 * Rebases a same-repository branch onto its base and pushes it back, as a person would.
 * Called by the merge worker only for pull requests whose repository opted in; never for a fork.
 */
export type Rebaser = (input: {
  cloneUrl: string;
  base: string;
  branch: string;
  /** The head Slipway expects the branch to be at: the push is refused when someone pushed since. */
  expected: string;
}) => Promise<RebaseResult>;

/**
 * A rebaser with the `git` command in a fresh temporary directory (removed after): clone,
 * `git rebase origin/<base>` (a conflict aborts and says so), then
 * `git push --force-with-lease=<branch>:<expected>`, so a branch someone pushed to meanwhile
 * is never overwritten. `token`, when given, is sent as the password of `x-access-token`
 * through git's environment, never on a command line.
 */
export function gitRebaser(options: { token?: string; timeoutMs?: number } = {}): Rebaser {
  return async ({ cloneUrl, base, branch, expected }) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-rebase-'));
    const run = (args: string[]) => git(args, dir, options);
    try {
      await run(['clone', '--quiet', '--no-tags', '--branch', branch, '--', cloneUrl, 'w']);
      const w = ['-C', 'w'];
      await run([...w, 'fetch', '--quiet', 'origin', `refs/heads/${base}:refs/remotes/origin/${base}`]);
      const head = (await run([...w, 'rev-parse', 'HEAD'])).trim();
      if (head !== expected)
        return { ok: false, why: `${branch} is at ${head.slice(0, 7)}, not ${expected.slice(0, 7)}` };
      try {
        await run([...w, 'rebase', '--quiet', `origin/${base}`]);
      } catch (err) {
        await run([...w, 'rebase', '--abort']).catch(() => undefined);
        return { ok: false, why: `it does not rebase cleanly onto ${base}: ${firstLine(err)}` };
      }
      const sha = (await run([...w, 'rev-parse', 'HEAD'])).trim();
      try {
        await run([
          ...w,
          'push',
          '--quiet',
          `--force-with-lease=${branch}:${expected}`,
          'origin',
          `HEAD:refs/heads/${branch}`,
        ]);
      } catch (err) {
        return { ok: false, why: `the push was refused: ${firstLine(err)}` };
      }
      return { ok: true, sha };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

function firstLine(err: unknown): string {
  return (
    (err instanceof Error ? err.message : String(err))
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.slice(0, 200) ?? ''
  );
}

function git(args: string[], cwd: string, options: { token?: string; timeoutMs?: number }): Promise<string> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Slipway',
    GIT_AUTHOR_EMAIL: 'slipway@users.noreply.github.com',
    GIT_COMMITTER_NAME: 'Slipway',
    GIT_COMMITTER_EMAIL: 'slipway@users.noreply.github.com',
  };
  const withAuth = options.token
    ? ['-c', `credential.helper=!f() { echo username=x-access-token; echo "password=$SLIPWAY_GIT_PASSWORD"; }; f`]
    : [];
  if (options.token) env.SLIPWAY_GIT_PASSWORD = options.token;
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...withAuth, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const errs: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => errs.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else
        reject(
          new Error(
            `git ${args[0] === '-C' ? args[2] : args[0]} failed (${code}): ${Buffer.concat(errs).toString('utf8')}`,
          ),
        );
    });
  });
}
