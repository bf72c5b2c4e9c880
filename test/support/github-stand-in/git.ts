import { spawn } from 'node:child_process';

/** A git command that exited non-zero; `exitCode` and `stderr` say why. */
export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} exited with ${String(exitCode)}: ${stderr.trim()}`);
    this.name = 'GitError';
  }
}

/** Options for {@link runGit}. */
export interface RunGitOptions {
  /** Working directory (defaults to the current one). */
  cwd?: string;
  /** Extra environment variables, on top of the isolated defaults. */
  env?: Record<string, string>;
  /** Bytes written to the command's stdin. */
  input?: string | Buffer;
}

/**
 * Environment that isolates git from the machine's user and system configuration, so a
 * developer's `~/.gitconfig` (signing, hooks, default branch) cannot change what tests see.
 */
export const ISOLATED_GIT_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Slipway Stand-in',
  GIT_AUTHOR_EMAIL: 'stand-in@slipway.invalid',
  GIT_COMMITTER_NAME: 'Slipway Stand-in',
  GIT_COMMITTER_EMAIL: 'stand-in@slipway.invalid',
};

/**
 * Runs the real `git` binary and resolves with its stdout. Rejects with a {@link GitError}
 * when it exits non-zero.
 */
export function runGit(args: readonly string[], options: RunGitOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: { ...process.env, ...ISOLATED_GIT_ENV, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new GitError(args, code, Buffer.concat(err).toString('utf8')));
    });
    // A command that does not read stdin may close it early; that is not an error here.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}
