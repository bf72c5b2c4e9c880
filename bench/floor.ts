import Docker from 'dockerode';

/**
 * The floor a build is measured against: the same Swarm jobs, created and awaited back to back
 * through the Engine API with nothing in between (no Redis, no GitHub, no logs). Each job is a
 * `ReplicatedJob` mounting a workspace volume; its end is polled every 10 ms.
 */
export interface FloorJob {
  image: string;
  script: string;
}

const LABELS = { 'slipway.bench': 'floor' };
const TERMINAL = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let n = 0;

/** Runs `jobs` one after the other on a fresh volume; resolves with the wall time in ms. */
export async function floorChain(docker: Docker, jobs: FloorJob[]): Promise<number> {
  const volume = `slwbench-floor-${process.pid}-${n++}`;
  await docker.createVolume({ Name: volume, Labels: LABELS });
  const started = performance.now();
  const services: string[] = [];
  try {
    for (const job of jobs) services.push(await runJob(docker, volume, job));
    return performance.now() - started;
  } finally {
    await Promise.all(
      services.map((id) =>
        docker
          .getService(id)
          .remove()
          .catch(() => undefined),
      ),
    );
    await removeVolume(docker, volume);
  }
}

/** Runs `jobs` all at once on a fresh volume, as the steps of one stage; resolves with the wall time in ms. */
export async function floorStage(docker: Docker, jobs: FloorJob[]): Promise<number> {
  const volume = `slwbench-floor-${process.pid}-${n++}`;
  await docker.createVolume({ Name: volume, Labels: LABELS });
  const started = performance.now();
  const services: string[] = [];
  try {
    await Promise.all(jobs.map(async (job) => services.push(await runJob(docker, volume, job))));
    return performance.now() - started;
  } finally {
    await Promise.all(
      services.map((id) =>
        docker
          .getService(id)
          .remove()
          .catch(() => undefined),
      ),
    );
    await removeVolume(docker, volume);
  }
}

/** `chains` chains at most `concurrency` at a time, as an executor of that concurrency would; wall time in ms. */
export async function floorChains(docker: Docker, chains: FloorJob[][], concurrency: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < chains.length) await floorChain(docker, chains[next++]!);
    }),
  );
  return performance.now() - started;
}

async function runJob(docker: Docker, volume: string, job: FloorJob): Promise<string> {
  const created = (await docker.createService({
    Name: `slwbench-floor-${process.pid}-${n++}`,
    Labels: LABELS,
    TaskTemplate: {
      ContainerSpec: {
        Image: job.image,
        Command: ['/bin/sh', '-c', job.script],
        Dir: '/workspace',
        Labels: LABELS,
        Mounts: [{ Type: 'volume', Source: volume, Target: '/workspace' }],
      },
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
    },
    Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
  } as Docker.CreateServiceOptions)) as unknown as { id: string };
  for (;;) {
    const [task] = (await docker.listTasks({ filters: JSON.stringify({ service: [created.id] }) })) as Array<{
      Status?: { State?: string; Err?: string };
    }>;
    const state = task?.Status?.State ?? 'new';
    if (TERMINAL.has(state)) {
      if (state !== 'complete') throw new Error(`bench floor job ${state}: ${task?.Status?.Err ?? ''}`);
      return created.id;
    }
    await sleep(10);
  }
}

async function removeVolume(docker: Docker, volume: string): Promise<void> {
  const filters = JSON.stringify({ label: ['slipway.bench=floor'], volume: [volume] });
  for (const c of await docker.listContainers({ all: true, filters }))
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
  for (let i = 0; i < 40; i++) {
    try {
      await docker.getVolume(volume).remove();
      return;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return;
      await sleep(250);
    }
  }
}
