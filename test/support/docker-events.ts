import type Docker from 'dockerode';

interface DockerEvent {
  Actor: { Attributes: Record<string, string> };
}

/** The engine's events since `since` (unix seconds) up to now, of one type and action. */
async function eventsSince(
  docker: Docker,
  since: number,
  type: 'service' | 'container',
  event: string,
): Promise<DockerEvent[]> {
  const stream = (await docker.getEvents({
    since,
    until: Math.ceil(Date.now() / 1000),
    filters: { type: [type], event: [event] },
  })) as unknown as AsyncIterable<Buffer>;
  let text = '';
  for await (const chunk of stream) text += chunk.toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as DockerEvent);
}

/** Names of the Swarm services created since `since` (unix seconds), read from the engine's event log. */
export async function createdServices(docker: Docker, since: number): Promise<string[]> {
  return (await eventsSince(docker, since, 'service', 'create')).map((e) => e.Actor.Attributes.name ?? '');
}

/**
 * For each container this engine started since `since` (unix seconds), the Swarm service it
 * was a task of: one entry per start, so a step whose command ran twice is there twice.
 * Containers of no service are left out.
 */
export async function startedTaskContainers(docker: Docker, since: number): Promise<string[]> {
  return (await eventsSince(docker, since, 'container', 'start'))
    .map((e) => e.Actor.Attributes['com.docker.swarm.service.name'])
    .filter((name): name is string => name !== undefined);
}

/** What {@link watchSwarmEvents} saw: services created, and the service of each task container started. */
export interface SwarmEventLog {
  createdServices: string[];
  startedTaskContainers: string[];
  /** Stops watching; what was seen stays. */
  stop(): void;
}

/**
 * Follows the engine's events from now on, live. The engine keeps only its last 256 events for
 * `since` queries, so a test that makes many objects (or shares the engine) watches instead.
 */
export async function watchSwarmEvents(docker: Docker): Promise<SwarmEventLog> {
  const stream = (await docker.getEvents({
    filters: { type: ['service', 'container'], event: ['create', 'start'] },
  })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  const log: SwarmEventLog = { createdServices: [], startedTaskContainers: [], stop: () => stream.destroy() };
  let buffer = '';
  const seen = new Set<string>();
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let cut: number;
    while ((cut = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, cut).trim();
      buffer = buffer.slice(cut + 1);
      if (!line) continue;
      const event = JSON.parse(line) as DockerEvent & {
        Type?: string;
        Action?: string;
        timeNano?: number;
        Actor: { ID?: string };
      };
      // The engine sometimes sends a swarm event twice: one per object (a service's id is new
      // each time it is made) and, for a container, per start time.
      const when = event.Type === 'container' ? String(event.timeNano) : '';
      const identity = `${event.Type}/${event.Action}/${event.Actor.ID}/${when}`;
      if (seen.has(identity)) continue;
      seen.add(identity);
      const attributes = event.Actor.Attributes;
      if (event.Type === 'service' && event.Action === 'create') log.createdServices.push(attributes.name ?? '');
      const service = attributes['com.docker.swarm.service.name'];
      if (event.Type === 'container' && event.Action === 'start' && service) log.startedTaskContainers.push(service);
    }
  });
  stream.on('error', () => undefined);
  return log;
}
