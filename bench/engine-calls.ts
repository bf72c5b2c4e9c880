import { createConnection, createServer, type Server } from 'node:net';
import { rmSync } from 'node:fs';

/**
 * A counting proxy in front of the Docker socket: a process pointed at it (DOCKER_HOST) talks
 * to the real engine, and every Engine API request it makes is counted by route, so the bench
 * can say how many calls a build costs and which.
 */
export class EngineCalls {
  private constructor(
    private readonly server: Server,
    readonly socket: string,
    private readonly counts: Map<string, number>,
  ) {}

  static async start(socket: string, target = '/var/run/docker.sock'): Promise<EngineCalls> {
    rmSync(socket, { force: true });
    const counts = new Map<string, number>();
    const server = createServer((client) => {
      const engine = createConnection(target);
      let tail = '';
      client.on('data', (chunk: Buffer) => {
        // A request line may follow the previous request's body directly: look anywhere.
        const text = tail + chunk.toString('latin1');
        let end = 0;
        for (const m of text.matchAll(/(GET|POST|PUT|DELETE|HEAD) (\/[^ ?]*)[^ ]* HTTP\/1\.[01]\r\n/g)) {
          const path = m[2]!
            .replace(/^\/v[\d.]+/, '')
            .replace(/\/slw-[^/]+/g, '/{name}')
            .replace(/\/[0-9a-z]{20,}(?=\/|$)/g, '/{id}');
          const route = `${m[1]} ${path}`;
          counts.set(route, (counts.get(route) ?? 0) + 1);
          end = m.index + m[0].length;
        }
        tail = text.slice(Math.max(end, text.length - 300));
      });
      client.pipe(engine).pipe(client);
      client.on('error', () => engine.destroy());
      engine.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    return new EngineCalls(server, socket, counts);
  }

  /** Counts by route since the last `take`, and resets them. */
  take(): Map<string, number> {
    const copy = new Map(this.counts);
    this.counts.clear();
    return copy;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }
}

export function total(counts: Map<string, number>): number {
  return [...counts.values()].reduce((a, b) => a + b, 0);
}

/** `GET /tasks ×12, POST /services/create ×4, …`, most frequent first. */
export function describeCalls(counts: Map<string, number>, per = 1): string {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([route, n]) => `${route} ×${+(n / per).toFixed(1)}`)
    .join(', ');
}
