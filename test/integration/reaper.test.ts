import { describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { recordForPlan } from '../../services/core/builds/record-for-plan.js';
import { LABEL, SwarmBackend } from '../../services/executor/backend/swarm-backend.js';
import { reap } from '../../services/executor/reap.js';
import { RedisBuildStore } from '../../services/shared/redis/redis-build-store.js';
import { createLogger } from '../../services/shared/logger.js';
import { planOf } from '../support/plan-fixtures.js';
import { freshRedisUrl, testInstance } from '../support/slipway-harness.js';

const docker = new Docker();

describe('the reaper', () => {
  it('removes what a dead executor left of finished or unknown builds, and leaves running builds alone', async () => {
    const redis = new Redis(await freshRedisUrl(8));
    const store = new RedisBuildStore(redis);
    const backend = new SwarmBackend(docker, { instance: testInstance('reaper') });
    const finished = planOf('x', 'y', []);
    const running = planOf('x', 'y', []);
    const unknown = planOf('x', 'y', []);
    try {
      await store.create({ ...recordForPlan(finished, 'now'), state: 'failure' });
      await store.create({ ...recordForPlan(running, 'now'), state: 'running' });
      // What a dead executor leaves: networks, volumes and secrets of its builds.
      for (const plan of [finished, running, unknown]) await backend.setupBuild(plan, { token: 'v' });
      const reaped = await reap(backend, store, createLogger('test', true));
      expect(reaped.sort()).toEqual([finished.buildId, unknown.buildId].sort());
      const present = await backend.buildsPresent();
      expect(present).toContain(running.buildId);
      expect(present).not.toContain(finished.buildId);
      expect(present).not.toContain(unknown.buildId);
      expect(
        await docker.listVolumes({ filters: JSON.stringify({ label: [`${LABEL.build}=${finished.buildId}`] }) }),
      ).toMatchObject({ Volumes: [] });
    } finally {
      await backend.teardownBuild(running.buildId);
      redis.disconnect();
    }
  });

  it('removes an orphaned container of a finished build (made late by Swarm) and its volume', async () => {
    const redis = new Redis(await freshRedisUrl(8));
    const store = new RedisBuildStore(redis);
    const instance = testInstance('reaper');
    const backend = new SwarmBackend(docker, { instance });
    const finished = planOf('x', 'y', []);
    const filters = JSON.stringify({ label: [`${LABEL.build}=${finished.buildId}`] });
    try {
      await store.create({ ...recordForPlan(finished, 'now'), state: 'cancelled' });
      // All that is left: a container that never started, holding the workspace volume.
      const labels = { [LABEL.managed]: '1', [LABEL.instance]: instance, [LABEL.build]: finished.buildId };
      await docker.createVolume({ Name: finished.volume, Labels: labels });
      await docker.createContainer({
        Image: 'slipway/busybox:1',
        Cmd: ['true'],
        Labels: labels,
        HostConfig: { Mounts: [{ Type: 'volume', Source: finished.volume, Target: '/workspace' }] },
      });
      expect(await reap(backend, store, createLogger('test', true))).toEqual([finished.buildId]);
      expect(await docker.listContainers({ all: true, filters })).toEqual([]);
      expect(await docker.listVolumes({ filters })).toMatchObject({ Volumes: [] });
    } finally {
      await backend.teardownBuild(finished.buildId);
      redis.disconnect();
    }
  });
});
