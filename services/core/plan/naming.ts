import { createHash } from 'node:crypto';

/** Docker object names and labels are DNS labels: at most 63 characters. */
const MAX_NAME = 63;

/**
 * The build id for a request id: deterministic, so a request planned twice gives the same
 * build, and safe as a BullMQ job id (no `:`, never all digits) and inside Swarm names.
 */
export function buildIdFor(requestId: string): string {
  return `b${createHash('sha256').update(requestId).digest('hex').slice(0, 11)}`;
}

/** Lower-case letters, digits and dashes only. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * A key for a step name: its slug, numbered when taken (names are unique, but "Unit" and
 * "unit" slug the same; `unit (node: 20)` becomes `unit-node-20`). Records the key as taken.
 */
export function uniqueKey(name: string, taken: Set<string>): string {
  const base = slug(name) || 'step';
  let key = base;
  for (let n = 2; taken.has(key); n++) key = `${base}-${n}`;
  taken.add(key);
  return key;
}

/**
 * Swarm service name of one attempt of one step: `slw-<build>-<step>-<attempt>`. The same
 * inputs always give the same name, which lets a restarted executor find what it started.
 */
export function serviceName(buildId: string, stepKey: string, attempt: number): string {
  const head = `slw-${buildId}-`;
  const tail = `-${attempt}`;
  const room = MAX_NAME - head.length - tail.length;
  let middle = slug(stepKey) || 'step';
  if (middle.length > room) {
    const digest = createHash('sha256').update(stepKey).digest('hex').slice(0, 6);
    middle = `${middle.slice(0, room - 7).replace(/-+$/, '')}-${digest}`;
  }
  return `${head}${middle}${tail}`;
}

/** Names of the per-build Swarm objects. */
export function buildObjectNames(buildId: string): { network: string; volume: string } {
  return { network: `slw-${buildId}-net`, volume: `slw-${buildId}-ws` };
}
