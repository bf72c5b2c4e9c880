import { describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { LABEL, SwarmBackend } from '../../services/executor/backend/swarm-backend.js';
import { testInstance } from '../support/slipway-harness.js';

const docker = new Docker();
/** Any image with `node` on every node: Slipway's own (scripts/slipway-image.sh builds it). */
const IMAGE = process.env.SLIPWAY_TEST_CLEANUP_IMAGE ?? 'slipway/slipway:dev';

/**
 * The cleanup job on the real swarm: one `GlobalJob` service runs once on every node and
 * removes, through that node's own engine, the volumes and containers of the builds it is given
 * (what a step placed on another node leaves there), and nothing else. On this one-node swarm
 * its one task shows that the job runs and removes what it should.
 */
describe('the cleanup job on every node', () => {
  it("removes the given builds' volumes and containers on each node, and leaves other builds' alone", async () => {
    const instance = testInstance('node-cleanup');
    const backend = new SwarmBackend(docker, { instance, cleanupImage: IMAGE });
    const stamp = Date.now().toString(36);
    const [gone, kept] = [`cleanup-a-${stamp}`, `cleanup-b-${stamp}`];
    const labels = (build: string) => ({ [LABEL.managed]: '1', [LABEL.instance]: instance, [LABEL.build]: build });
    for (const build of [gone, kept]) await docker.createVolume({ Name: `slw-${build}-ws`, Labels: labels(build) });
    // A container that never started, holding the workspace: what a cancelled checkout leaves.
    await docker.createContainer({
      Image: 'slipway/busybox:1',
      Cmd: ['true'],
      Labels: labels(gone),
      HostConfig: { Mounts: [{ Type: 'volume', Source: `slw-${gone}-ws`, Target: '/workspace' }] },
    });
    const volumes = async (build: string) =>
      (await docker.listVolumes({ filters: JSON.stringify({ label: [`${LABEL.build}=${build}`] }) })).Volumes ?? [];
    try {
      const said = await backend.cleanupNodes([gone]);
      const host = (await docker.info()).Name as string;
      expect(said).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^${host}: removed container [0-9a-f]{12} of ${gone} \\(204\\)$`)),
          `${host}: removed volume slw-${gone}-ws of ${gone} (204)`,
          `${host}: done`,
        ]),
      );
      expect(await volumes(gone)).toEqual([]);
      expect((await volumes(kept)).map((v) => v.Name)).toEqual([`slw-${kept}-ws`]);
      // The job's own service is gone too.
      const jobs = await docker.listServices({ filters: JSON.stringify({ label: ['slipway.cleanup=1'] }) });
      expect(jobs.filter((s) => s.Spec?.Labels?.[LABEL.instance] === instance)).toEqual([]);
    } finally {
      await backend.teardownBuild(kept);
      await backend.teardownBuild(gone);
    }
  }, 120_000);
});
