import { Agent, request } from 'node:http';

/** What a load run saw. */
export interface LoadResult {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  statuses: Map<number, number>;
}

/**
 * A closed-loop load generator: `concurrency` clients, each posting the next request as soon as
 * its answer is read, for `durationMs`, over keep-alive connections. The same one drives both
 * sides of a comparison.
 */
export async function load(options: {
  port: number;
  path: string;
  /** The i-th request's body and headers. */
  request: (i: number) => { body: string; headers: Record<string, string> };
  concurrency: number;
  durationMs: number;
}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let i = 0;
  const started = performance.now();
  const until = started + options.durationMs;
  const one = (n: number) =>
    new Promise<number>((resolve) => {
      const { body, headers } = options.request(n);
      const req = request(
        {
          agent,
          host: '127.0.0.1',
          port: options.port,
          path: options.path,
          method: 'POST',
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        const status = await one(i++);
        latencies.push(performance.now() - t);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
  return { requests: latencies.length, perSecond: latencies.length / elapsed, p50: at(50), p99: at(99), statuses };
}
