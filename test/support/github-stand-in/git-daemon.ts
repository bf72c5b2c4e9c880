import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ISOLATED_GIT_ENV } from './git.js';

/** A running `git daemon` serving bare repositories over git:// (clone, fetch and push). */
export interface GitDaemon {
  /** TCP port it listens on (on all interfaces). */
  readonly port: number;
  /** Terminates the daemon and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts `git daemon --export-all --base-path=<basePath>` on `0.0.0.0`, so containers can
 * clone `git://<docker gateway>:<port>/<owner>/<repo>.git`. Resolves once the port accepts
 * connections. With no `port`, picks a free one (retrying if another process takes it first).
 */
export async function startGitDaemon(basePath: string, port?: number): Promise<GitDaemon> {
  let lastError: unknown;
  for (let attempt = 0; attempt < (port === undefined ? 3 : 1); attempt += 1) {
    const chosen = port ?? (await freePort());
    try {
      return await launch(basePath, chosen);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function launch(basePath: string, port: number): Promise<GitDaemon> {
  const child = spawn(
    'git',
    [
      'daemon',
      '--reuseaddr',
      `--base-path=${basePath}`,
      '--export-all',
      // Pushes too, as a person (or Slipway's merge queue rebasing a branch) pushes to GitHub.
      '--enable=receive-pack',
      '--informative-errors',
      '--listen=0.0.0.0',
      `--port=${port}`,
      basePath,
    ],
    { env: { ...process.env, ...ISOLATED_GIT_ENV }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 5000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`git daemon exited on port ${port}: ${stderr.trim()}`);
    }
    if (Date.now() > deadline) {
      await terminate(child, exited);
      throw new Error(`git daemon did not listen on port ${port} within 5 s: ${stderr.trim()}`);
    }
    await sleep(25);
  }
  return { port, stop: () => terminate(child, exited) };
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}
