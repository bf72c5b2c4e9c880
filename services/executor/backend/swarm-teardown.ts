import type Docker from 'dockerode';

const POLL_MS = 200;
/** Task states after which Swarm makes no container for the task. */
const FINAL = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);

interface Task {
  ID: string;
  NodeID?: string;
  DesiredState?: string;
  Status?: { State?: string };
}

/**
 * Removes every Swarm object of a build that carries `labels` (its build and installation
 * labels), so that none can come back: services first; then, until Swarm has no task of them
 * left and the engine no container, the containers (a task that was being created when its
 * service went still gets its container, `Created`, holding the workspace); networks (retried
 * while "in use", and waited for until gone); volumes, each retry removing containers made
 * since; secrets. Last, a short look for containers or volumes made late, removed as well.
 * Idempotent, and safe on a build that was never set up. Throws when the engine does not let
 * go of something within `deadlineMs`.
 */
export async function teardownBuildObjects(
  docker: Docker,
  labels: string[],
  options: { deadlineMs?: number; lateLookMs?: number } = {},
): Promise<void> {
  const filters = JSON.stringify({ label: labels });
  const until = Date.now() + (options.deadlineMs ?? 60_000);
  const services = await docker.listServices({ filters });
  await Promise.all(services.map((s) => ignoreMissing(() => docker.getService(s.ID!).remove())));
  await settle(docker, filters, until);
  const networks = await docker.listNetworks({ filters });
  await Promise.all(networks.map((n) => retryInUse(() => docker.getNetwork(n.Id).remove(), until)));
  // The manager removes an overlay network asynchronously: done means gone.
  await waitUntil(async () => (await docker.listNetworks({ filters })).length === 0, until);
  await removeVolumes(docker, filters, until);
  const secrets = await docker.listSecrets({ filters });
  await Promise.all(secrets.map((s) => retryInUse(() => docker.getSecret(s.ID).remove(), until)));
  const lateUntil = Date.now() + (options.lateLookMs ?? 1_000);
  while (Date.now() < lateUntil) {
    await sleep(POLL_MS);
    const late = await removeContainers(docker, filters);
    const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
    if (late > 0 || volumes.length > 0) await removeVolumes(docker, filters, Math.max(until, Date.now() + 30_000));
  }
}

/** Until no task of the build is left in the swarm and no container on this engine, removing containers. */
async function settle(docker: Docker, filters: string, until: number): Promise<void> {
  for (;;) {
    const removed = await removeContainers(docker, filters);
    // Only a task given to a live node and not over may still get a container. (A job's task
    // left `new` by its removed service stays listed for good, on no node; a lost node's task
    // stays `running` for a day: neither gets one here.)
    const tasks = await onLiveNodes(
      docker,
      ((await docker.listTasks({ filters })) as Task[]).filter((t) => t.NodeID && !FINAL.has(t.Status?.State ?? '')),
    );
    if (removed === 0 && tasks.length === 0) return;
    if (Date.now() > until)
      throw new Error(
        `Swarm still had task(s) of the build on their way when the teardown gave up: ` +
          tasks.map((t) => `${t.ID} ${t.Status?.State} (desired ${t.DesiredState})`).join(', '),
      );
    await sleep(POLL_MS);
  }
}

/** The tasks whose node the swarm sees as ready (asked only when there are tasks to judge). */
async function onLiveNodes(docker: Docker, tasks: Task[]): Promise<Task[]> {
  if (tasks.length === 0) return tasks;
  const nodes = (await docker.listNodes()) as Array<{ ID: string; Status?: { State?: string } }>;
  const live = new Set(nodes.filter((n) => n.Status?.State === 'ready').map((n) => n.ID));
  return tasks.filter((t) => live.has(t.NodeID!));
}

/** Removes the build's containers on this engine; answers how many there were. */
async function removeContainers(docker: Docker, filters: string): Promise<number> {
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(
    containers.map((c) =>
      ignoreMissing(() => docker.getContainer(c.Id).remove({ force: true, v: false })).catch((err: unknown) => {
        // Another remover (the engine's own task cleanup) got there first.
        if (!/removal of container .* is already in progress/i.test(String((err as Error).message))) throw err;
      }),
    ),
  );
  return containers.length;
}

/** Removes the build's volumes; one "in use" means a container holds it: remove containers and try again. */
async function removeVolumes(docker: Docker, filters: string, until: number): Promise<void> {
  const { Volumes } = await docker.listVolumes({ filters });
  await Promise.all(
    (Volumes ?? []).map((v) =>
      retryInUse(
        () => docker.getVolume(v.Name).remove(),
        until,
        () => removeContainers(docker, filters),
      ),
    ),
  );
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

async function ignoreMissing(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
}

async function retryInUse(fn: () => Promise<unknown>, until: number, between?: () => Promise<unknown>): Promise<void> {
  for (;;) {
    try {
      return await ignoreMissing(fn);
    } catch (err) {
      const busy = statusOf(err) === 409 || /in use|active endpoints/i.test(String((err as Error).message));
      if (!busy || Date.now() > until) throw err;
      await sleep(250);
      await between?.();
    }
  }
}

async function waitUntil(check: () => Promise<boolean>, until: number): Promise<void> {
  while (!(await check())) {
    if (Date.now() > until) throw new Error("Docker did not finish removing a build's objects in time");
    await sleep(POLL_MS);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
