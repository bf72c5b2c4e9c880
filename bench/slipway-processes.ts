import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../services/shared/project-root.js';
import type { GitHubStandIn } from '../test/support/github-stand-in.js';
import { freePort, WEBHOOK_SECRET } from '../test/support/slipway-harness.js';
import { sleep } from './figures.js';

/**
 * `slipway server` and `slipway executor` as their own processes (from dist/), as they are
 * deployed, wired to the GitHub stand-in, a Redis database and (for the executor) the counting
 * Docker socket; so their memory is theirs alone and the bench's own work is not on their event loops.
 */
export interface SlipwayProcesses {
  url: string;
  server: ChildProcess;
  executor: ChildProcess;
  stop(): Promise<void>;
}

export async function startSlipwayProcesses(options: {
  standIn: GitHubStandIn;
  redisUrl: string;
  instance: string;
  dockerHost: string;
  env?: Record<string, string>;
}): Promise<SlipwayProcesses> {
  const port = await freePort();
  const gitBase = options.standIn.cloneUrl('x', 'y').replace(/x\/y\.git$/, '');
  const env = {
    PATH: process.env.PATH ?? '',
    SLIPWAY_WEBHOOK_SECRET: WEBHOOK_SECRET,
    SLIPWAY_REDIS_URL: options.redisUrl,
    SLIPWAY_GITHUB_API_URL: options.standIn.apiUrl,
    SLIPWAY_GITHUB_TOKEN: 'test-token',
    SLIPWAY_PORT: String(port),
    SLIPWAY_HOST: '127.0.0.1',
    SLIPWAY_CLONE_URL_REWRITE: `https://github.com/=${gitBase}`,
    SLIPWAY_INSTANCE: options.instance,
    SLIPWAY_PUBLIC_READS: '1',
    SLIPWAY_LOG_LEVEL: process.env.SLIPWAY_BENCH_LOG_LEVEL ?? 'warn',
    ...options.env,
  };
  const cli = join(projectRoot(), 'dist', 'services', 'cli', 'slipway.js');
  const start = (command: string, extra: Record<string, string> = {}) =>
    spawn(process.execPath, [cli, command], { env: { ...env, ...extra }, stdio: ['ignore', 'ignore', 'inherit'] });
  const server = start('server');
  const executor = start('executor', { DOCKER_HOST: `unix://${options.dockerHost}` });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if ((await fetch(`${url}/healthz`).catch(() => undefined))?.ok) break;
    if (i > 300) throw new Error('bench: slipway server did not answer /healthz within 30 s');
    await sleep(100);
  }
  return {
    url,
    server,
    executor,
    async stop() {
      await Promise.all([server, executor].map(stopChild));
    },
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The process's peak resident memory so far (VmHWM), or another of its /proc status figures, in MB. */
export function peakRssMb(pid: number, figure: 'VmHWM' | 'VmRSS' = 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${figure}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
}
