import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Docker from 'dockerode';
import { testInstance } from '../support/slipway-harness.js';
import { localRegistry, type LocalRegistry } from '../support/local-registry.js';
import { SwarmJobs, type JobResult } from '../support/swarm-jobs.js';

/**
 * Images as deliverables, on the real swarm and without privileged mode or the Docker socket:
 * a ReplicatedJob in `slipway/buildah:1` builds an image from a Containerfile in a workspace
 * volume (chroot isolation, vfs storage), pulls its base from and pushes the result to the
 * local registry (scripts/registry.sh) with credentials from a Docker secret, and the next job
 * runs as that image, by digest. What the engine needs for it is the one capability Swarm may
 * add since API 1.41 (`ContainerSpec.CapabilityAdd: [CAP_SYS_ADMIN]`); the last test shows
 * the error without it. docs/buildspec.md "Building and pushing images" describes the same.
 */

const BUILDAH = 'slipway/buildah:1';
const BUSYBOX = 'slipway/busybox:1';
/** Docker's default capabilities that buildah's RUN does not need (see scripts/images.sh). */
const DROP = ['CAP_NET_RAW', 'CAP_MKNOD', 'CAP_AUDIT_WRITE'];

describe('building and pushing an image in a Swarm job with buildah', () => {
  const docker = new Docker();
  const instance = testInstance('image-build');
  const jobs = new SwarmJobs(docker, { 'slipway.test': instance });
  const nonce = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const prefix = `img-${process.env.SLIPWAY_TEST_TAG ?? 'x'}-${nonce}`;
  const volume = `${prefix}-ws`;
  const baseRepo = 'slipway-test/busybox';
  let registry: LocalRegistry;
  const secretName = `${prefix}-auth`;
  let secretId: string;
  const pushed: Array<[string, string]> = [];
  /** Images dockerd pulled to run them; removed after. */
  const pulled: string[] = [];

  beforeAll(async () => {
    for (const image of [BUILDAH, BUSYBOX]) {
      await docker
        .getImage(image)
        .inspect()
        .catch(() => {
          throw new Error(`image ${image} is missing; run scripts/infra.sh`);
        });
    }
    registry = await localRegistry();
    await pushBase(docker, registry, `${baseRepo}:${nonce}`);
    pushed.push([baseRepo, nonce]);

    await docker.createVolume({ Name: volume, Labels: jobs.labels });
    jobs.track('volume', volume);
    secretId = await createSecret(secretName, registry.authFile);
    jobs.track('secret', secretId);

    const seeded = await jobs.run(`${prefix}-seed`, seedScript(), {
      Image: BUSYBOX,
      Env: [`CONTAINERFILE=${containerfile(`${registry.push}/${baseRepo}:${nonce}`, nonce)}`],
      Mounts: [{ Type: 'volume', Source: volume, Target: '/workspace' }],
    });
    expect(seeded).toMatchObject({ state: 'complete', exitCode: 0 });
  }, 180_000);

  afterAll(async () => {
    await jobs.cleanup();
    for (const ref of pulled)
      await docker
        .getImage(ref)
        .remove()
        .catch(() => undefined);
    if (registry) {
      for (const [repository, reference] of pushed) {
        const digest = await registry.manifestDigest(repository, reference).catch(() => undefined);
        if (digest) await registry.deleteManifest(repository, digest).catch(() => undefined);
      }
    }
  }, 120_000);

  async function createSecret(name: string, data: string): Promise<string> {
    const created = (await docker.createSecret({
      Name: name,
      Labels: jobs.labels,
      Data: Buffer.from(data).toString('base64'),
    })) as unknown as { id?: string; ID?: string };
    const id = created.id ?? created.ID;
    if (!id) throw new Error(`createSecret returned no id: ${JSON.stringify(created)}`);
    return id;
  }

  /**
   * The build step: `buildah bud` in the workspace, `buildah push`, the digest in the log.
   * `rootless` runs the buildah commands as the image's user `build` (uid 1000) with `su`,
   * which is what a spec's commands can do (steps run as root).
   */
  function build(name: string, repository: string, container: Docker.ContainerSpec, rootless = false) {
    const target = `docker://${registry.push}/${repository}:${nonce}`;
    const commands = [
      'set -e',
      'cd /workspace',
      'export REGISTRY_AUTH_FILE=/run/secrets/registry-auth',
      'echo "uid_map: $(buildah unshare cat /proc/self/uid_map | tr -s " " | tr "\\n" ";")"',
      'buildah bud --tls-verify=false --layers=false -t localhost/app -f Containerfile .',
      `buildah push --tls-verify=false --digestfile /tmp/digest localhost/app ${target}`,
      'echo "pushed $(cat /tmp/digest)"',
    ].join('\n');
    return jobs.run(`${prefix}-${name}`, rootless ? 'su build -c "$BUILD"' : commands, {
      Image: BUILDAH,
      Mounts: [{ Type: 'volume', Source: volume, Target: '/workspace', ReadOnly: true }],
      Secrets: [secretRef(secretId, secretName)],
      ...(rootless ? { Env: [`BUILD=${commands}`] } : {}),
      ...container,
    });
  }

  /** Runs the pushed image by digest, pulled by dockerd from the registry with credentials. */
  function runByDigest(name: string, repository: string, digest: string): Promise<JobResult> {
    const image = `${registry.pull}/${repository}@${digest}`;
    pulled.push(image);
    return jobs.run(
      `${prefix}-${name}`,
      'cat /srv/greeting.txt /srv/run.txt',
      { Image: image },
      { auth: { username: registry.username, password: registry.password, serveraddress: registry.pull } },
    );
  }

  function pushedDigest(result: JobResult): string {
    const match = /^pushed (sha256:[0-9a-f]{64})$/m.exec(result.log);
    if (!match) throw new Error(`no "pushed sha256:…" line in the build's log:\n${result.log}`);
    return match[1]!;
  }

  it(
    'builds as root with CapabilityAdd [CAP_SYS_ADMIN] (NET_RAW, MKNOD, AUDIT_WRITE dropped), ' +
      'pushes, and the next job runs as the image by digest',
    async () => {
      const built = await build('build', 'slipway-test/app', {
        CapabilityAdd: ['CAP_SYS_ADMIN'],
        CapabilityDrop: DROP,
      });
      pushed.push(['slipway-test/app', nonce]);
      expect({ state: built.state, exitCode: built.exitCode }).toEqual({ state: 'complete', exitCode: 0 });
      const digest = pushedDigest(built);
      expect(await registry.manifestDigest('slipway-test/app', nonce)).toBe(digest);

      const ran = await runByDigest('run', 'slipway-test/app', digest);
      expect({ state: ran.state, exitCode: ran.exitCode, err: ran.err }).toEqual({
        state: 'complete',
        exitCode: 0,
        err: undefined,
      });
      expect(ran.image).toBe(`${registry.pull}/slipway-test/app@${digest}`);
      expect(ran.log).toContain('greeting from the workspace');
      expect(ran.log).toContain(`RUN ${nonce} as uid 0`);
    },
  );

  it('builds rootless (su build: uid 1000, a user namespace through newuidmap), still with CAP_SYS_ADMIN', async () => {
    // The container still needs CAP_SYS_ADMIN: Docker's seccomp profile lets unshare through
    // only for containers made with it, whoever calls it. uid 1000 itself has no capabilities.
    const built = await build(
      'rootless',
      'slipway-test/app-rootless',
      { CapabilityAdd: ['CAP_SYS_ADMIN'], CapabilityDrop: DROP },
      true,
    );
    pushed.push(['slipway-test/app-rootless', nonce]);
    expect({ state: built.state, exitCode: built.exitCode }).toEqual({ state: 'complete', exitCode: 0 });
    // Root in the build's namespace is uid 1000 outside; 65536 subordinate ids from /etc/subuid.
    expect(built.log).toMatch(/uid_map: +0 1000 1; 1 100000 65536;/);
    const digest = pushedDigest(built);

    const ran = await runByDigest('rootless-run', 'slipway-test/app-rootless', digest);
    expect({ state: ran.state, exitCode: ran.exitCode }).toEqual({ state: 'complete', exitCode: 0 });
    expect(ran.log).toContain(`RUN ${nonce} as uid 0`);
  });

  it("fails with the engine's default capabilities: seccomp refuses unshare without CAP_SYS_ADMIN", async () => {
    const built = await build('nocaps', 'slipway-test/app-nocaps', {});
    expect(built.state).toBe('failed');
    expect(built.exitCode).not.toBe(0);
    expect(built.log).toContain('Error during unshare(CLONE_NEWUSER): Operation not permitted');
    expect(built.log).not.toContain('pushed sha256:');
  });
});

/** The registry's auth.json at /run/secrets/registry-auth, as Slipway's executor mounts secrets. */
function secretRef(secretId: string, secretName: string) {
  return {
    SecretID: secretId,
    SecretName: secretName,
    File: { Name: 'registry-auth', UID: '0', GID: '0', Mode: 0o444 },
  };
}

/** Writes the Containerfile (from $CONTAINERFILE) and the file it copies into the workspace. */
function seedScript(): string {
  return [
    'set -e',
    'cd /workspace',
    'printf "%s\\n" "$CONTAINERFILE" > Containerfile',
    'echo "greeting from the workspace" > greeting.txt',
    'chmod 644 Containerfile greeting.txt',
  ].join('\n');
}

/** FROM the base in the local registry, COPY from the workspace, RUN something that shows who ran it. */
function containerfile(base: string, nonce: string): string {
  return [
    `FROM ${base}`,
    'COPY greeting.txt /srv/greeting.txt',
    `RUN echo "RUN ${nonce} as uid $(id -u)" > /srv/run.txt`,
    'CMD ["cat", "/srv/greeting.txt", "/srv/run.txt"]',
  ].join('\n');
}

/** Pushes the local slipway/busybox:1 to the registry as the builds' base image, then drops the local tag. */
async function pushBase(docker: Docker, registry: LocalRegistry, repoTag: string): Promise<void> {
  const [repository, tag] = repoTag.split(':') as [string, string];
  const ref = `${registry.pull}/${repository}`;
  await docker.getImage(BUSYBOX).tag({ repo: ref, tag });
  try {
    const stream = await docker.getImage(`${ref}:${tag}`).push({
      authconfig: { username: registry.username, password: registry.password, serveraddress: registry.pull },
    });
    const events = await new Promise<Array<{ error?: string }>>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) =>
        err ? reject(err) : resolve(out),
      ),
    );
    const failed = events.find((e) => e.error);
    if (failed) throw new Error(`docker push ${ref}:${tag}: ${failed.error}`);
  } finally {
    await docker
      .getImage(`${ref}:${tag}`)
      .remove()
      .catch(() => undefined);
  }
}
