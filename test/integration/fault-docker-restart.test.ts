import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { GitHubStandIn } from '../support/github-stand-in.js';
import {
  eventually,
  freshRedisUrl,
  startSlipway,
  WEBHOOK_SECRET,
  type RunningSlipway,
} from '../support/slipway-harness.js';
import { pushPayload, signedHeaders } from '../support/webhook-payloads.js';

const OWNER = 'acme';
const REPO = 'daemon';
const SPEC = `version: 1
test:
  - name: unit
    image: slipway/busybox:1
    commands: [sleep 30, echo "survived"]
`;
const FINAL = new Set(['success', 'failure', 'error', 'cancelled']);

/**
 * The Docker daemon restarted (SIGTERM, then started again as scripts/infra.sh starts it)
 * during a step: the build reaches a final state with a clear reason, and nothing labelled
 * with it is left on the engine. It restarts the daemon every test on this machine uses: the
 * integration run is in band (one file at a time), so nothing else runs meanwhile; never run it
 * beside other tests on a shared machine.
 */
describe('the Docker daemon restarted during a step', () => {
  const docker = new Docker();
  let standIn: GitHubStandIn;
  let slipway: RunningSlipway;
  let sha: string;

  beforeAll(async () => {
    const redisUrl = await freshRedisUrl(5);
    standIn = await GitHubStandIn.start({ token: 'test-token' });
    await standIn.createRepo(OWNER, REPO);
    sha = await standIn.commit(OWNER, REPO, 'main', { 'README.md': 'x', '.buildspec.yml': SPEC });
    slipway = await startSlipway({ standIn, redisUrl });
  });

  afterAll(async () => {
    await slipway?.close();
    await standIn?.stop();
  });

  async function restartDockerd(): Promise<number> {
    const pid = Number((await readFile('/var/run/docker.pid', 'utf8')).trim());
    const started = Date.now();
    process.kill(pid, 'SIGTERM');
    await eventually('dockerd to exit', async () => (alive(pid) ? undefined : true), 60_000);
    const log = process.env.SLIPWAY_STATE_DIR
      ? `${process.env.SLIPWAY_STATE_DIR}/dockerd.log`
      : '/var/lib/slipway/dockerd.log';
    spawn('sh', ['-c', `nohup dockerd >>${log} 2>&1 </dev/null &`], { stdio: 'ignore', detached: true }).unref();
    await eventually(
      'dockerd to answer',
      async () => ((await docker.ping().catch(() => undefined)) ? true : undefined),
      60_000,
    );
    return Date.now() - started;
  }

  it('ends the build with a reason and leaves nothing behind', async () => {
    const body = JSON.stringify(
      pushPayload({
        owner: OWNER,
        repo: REPO,
        cloneUrl: `https://github.com/${OWNER}/${REPO}.git`,
        branch: 'main',
        before: '0'.repeat(40),
        after: sha,
      }),
    );
    const res = await fetch(`${slipway.url}/webhooks`, {
      method: 'POST',
      headers: signedHeaders('push', body, WEBHOOK_SECRET, 'f1f1f1f1-0000-4000-8000-000000000001'),
      body,
    });
    expect(res.status).toBe(202);
    const { build } = (await res.json()) as { build: string };
    await eventually(
      'the step to run',
      async () => ((await slipway.builds.get(build))?.stages[0]?.steps[0]?.state === 'running' ? true : undefined),
      60_000,
    );

    const downMs = await restartDockerd();

    const record = await eventually(
      'the build to end',
      async () => {
        const r = await slipway.builds.get(build);
        return r && FINAL.has(r.state) ? r : undefined;
      },
      240_000,
    );
    const step = record.stages[0]!.steps[0]!;
    // Either the step survived (success) or it says what happened to it.
    if (step.state !== 'success') expect(step.reason ?? '').not.toBe('');
    // The reporter posts the final status after the record is final (paced writes): wait for it.
    const posted = await eventually(
      'the final status on GitHub',
      async () => {
        const state = standIn.latestStatus(OWNER, REPO, sha, 'slipway/test')?.state;
        return state && state !== 'pending' ? state : undefined;
      },
      60_000,
    );
    expect(posted).toEqual(record.state === 'success' ? 'success' : expect.stringMatching(/failure|error/));
    const filters = JSON.stringify({ label: [`slipway.build=${build}`] });
    await eventually(
      'nothing of the build to remain',
      async () => {
        const left = [
          ...(await docker.listServices({ filters })),
          ...(await docker.listContainers({ all: true, filters })),
          ...(await docker.listNetworks({ filters })),
          ...((await docker.listVolumes({ filters })).Volumes ?? []),
        ];
        return left.length === 0 ? true : undefined;
      },
      180_000,
    );
    console.info(
      `docker restart: daemon away ${downMs} ms; build ${record.state}, step ${step.state}: ${step.reason ?? ''}`,
    );
  }, 600_000);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
