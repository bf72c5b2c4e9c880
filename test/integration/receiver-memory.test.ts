import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { projectRoot } from '../../services/shared/project-root.js';
import { eventually, freePort, freshRedisUrl } from '../support/slipway-harness.js';

const BODY = Buffer.alloc(24 * 2 ** 20, 0x61);

/** The receiver's peak resident memory, from /proc (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

/** One unsigned 24 MiB post; resolves to the status (or 0 when the server closed the connection first). */
function post(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/webhooks',
        method: 'POST',
        headers: { 'x-github-event': 'push', 'x-github-delivery': 'd-big', 'content-length': BODY.length },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(0));
    req.end(BODY);
  });
}

/** `slipway server` as its own process (from dist/), flooded with large unsigned posts. */
describe('the receiver under large unsigned posts', () => {
  let child: ChildProcess;
  let port: number;

  beforeAll(async () => {
    const redisUrl = await freshRedisUrl(13);
    port = await freePort();
    child = spawn(process.execPath, [join(projectRoot(), 'dist', 'services', 'cli', 'slipway.js'), 'server'], {
      env: {
        PATH: process.env.PATH,
        SLIPWAY_REDIS_URL: redisUrl,
        SLIPWAY_WEBHOOK_SECRET: 'memory-secret',
        SLIPWAY_PORT: String(port),
        SLIPWAY_HOST: '127.0.0.1',
        SLIPWAY_GITHUB_TOKEN: 'unused',
      },
      stdio: 'ignore',
    });
    await eventually('the receiver to listen', async () =>
      (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok ? true : undefined,
    );
  });

  afterAll(async () => {
    child?.kill('SIGTERM');
  });

  it('refuses 20 concurrent unsigned 24 MiB posts with 401, its RSS staying under 300 MB', async () => {
    const before = peakRssMb(child.pid!);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => post(port)));
    // Each is answered 401 before its body is read; a client still sending may see the connection close instead.
    expect(statuses.every((s) => s === 401 || s === 0)).toBe(true);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThan(0);
    const peak = peakRssMb(child.pid!);
    process.stdout.write(`receiver peak RSS: ${before.toFixed(0)} MB before, ${peak.toFixed(0)} MB after\n`);
    expect(peak).toBeLessThan(300);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).ok).toBe(true);
  });
});
