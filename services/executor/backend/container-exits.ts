import type Docker from 'dockerode';

/**
 * Docker's event stream, narrowed to the exits of one service's containers: a step learns of
 * its task's end when its container dies instead of on the next poll. Opened per waiting step
 * and closed with it (one Engine API call), so no stream outlives the step. Best effort: events
 * only come from this engine's node, and a stream that breaks just stops waking the waiter,
 * whose poll still finds the end.
 */
export class ContainerExits {
  private stream: NodeJS.ReadableStream | undefined;
  private wake: (() => void) | undefined;
  private exited = false;
  private closed = false;
  private partial = '';
  /** True when the event stream is open: an exit on this node wakes the waiter. */
  listening = false;
  /** The last container death seen: the container's id and its exit code (`Actor.Attributes.exitCode`). */
  death: ContainerDeath | undefined;

  private constructor() {}

  /** Starts listening for the death of `serviceId`'s containers; resolves once the stream is open. */
  static async open(docker: Docker, serviceId: string): Promise<ContainerExits> {
    const exits = new ContainerExits();
    try {
      const stream = await docker.getEvents({
        filters: JSON.stringify({
          type: ['container'],
          event: ['die'],
          label: [`com.docker.swarm.service.id=${serviceId}`],
        }),
      } as unknown as Docker.GetEventsOptions);
      exits.stream = stream;
      exits.listening = true;
      stream.on('data', (chunk: Buffer) => exits.fire(chunk));
      stream.on('error', () => undefined);
      if (exits.closed) exits.close();
    } catch {
      // No events: the poll alone finds the end.
    }
    return exits;
  }

  /**
   * Resolves `exit` when a container of the service died since the last call (or the watch
   * was closed), else `timeout` after `ms`.
   */
  next(ms: number): Promise<'exit' | 'timeout'> {
    if (this.exited) {
      this.exited = false;
      return Promise.resolve('exit');
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle('timeout'), ms);
      const settle = (why: 'exit' | 'timeout') => {
        clearTimeout(timer);
        this.wake = undefined;
        this.exited = false;
        resolve(why);
      };
      this.wake = () => settle('exit');
    });
  }

  close(): void {
    this.closed = true;
    this.wake?.();
    (this.stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
  }

  private fire(chunk: Buffer): void {
    // One JSON object a line; a chunk may end mid-line.
    const lines = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.death = deathOf(line) ?? this.death;
    this.exited = true;
    this.wake?.();
  }
}

/** A container that died: its id, and the code it exited with. */
export interface ContainerDeath {
  container: string;
  exitCode: number;
}

/** The container and exit code of a `die` event line; undefined when the line says neither. */
export function deathOf(line: string): ContainerDeath | undefined {
  if (!line.trim()) return undefined;
  try {
    const event = JSON.parse(line) as { Actor?: { ID?: string; Attributes?: { exitCode?: string } } };
    const exitCode = Number(event.Actor?.Attributes?.exitCode ?? NaN);
    const container = event.Actor?.ID;
    return container && Number.isInteger(exitCode) ? { container, exitCode } : undefined;
  } catch {
    return undefined;
  }
}
