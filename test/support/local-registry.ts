import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * The local registry of scripts/registry.sh (Debian's docker-registry, basic auth), started
 * or reused by `localRegistry()`. It is one registry under two names: step containers push to
 * `push` (172.17.0.1:PORT, the docker0 gateway) and dockerd pulls from `pull` (127.0.0.1:PORT,
 * insecure by default), so an image pushed as `push/app` runs as `pull/app@sha256:…`.
 */
export interface LocalRegistry {
  /** `127.0.0.1:PORT`: what dockerd pulls task images from. */
  pull: string;
  /** `172.17.0.1:PORT`: what a step container pushes to. */
  push: string;
  username: string;
  password: string;
  /** containers-auth.json for both names: a step's `--authfile`, delivered as a secret. */
  authFile: string;
  /** The digest the registry holds for `repository:reference` (GET /v2/…/manifests/…), or undefined. */
  manifestDigest(repository: string, reference: string): Promise<string | undefined>;
  /** Deletes a manifest by digest (its blobs stay until the registry's garbage collection). */
  deleteManifest(repository: string, digest: string): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('../../scripts/registry.sh', import.meta.url));
const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export async function localRegistry(): Promise<LocalRegistry> {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('bash', [SCRIPT, 'up'], { timeout: 120_000 }, (err, out, stderr) =>
      err ? reject(new Error(`scripts/registry.sh up failed: ${stderr || err.message}`)) : resolve(out),
    );
  });
  const facts = Object.fromEntries(
    stdout
      .split('\n')
      .map((line) => /^(SLIPWAY_REGISTRY\w*)=(.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
  const need = (key: string): string => {
    const value = facts[key];
    if (!value) throw new Error(`scripts/registry.sh up printed no ${key}; stdout was ${JSON.stringify(stdout)}`);
    return value;
  };
  const credentials = (await readFile(need('SLIPWAY_REGISTRY_CREDENTIALS'), 'utf8')).trim();
  const colon = credentials.indexOf(':');
  const username = credentials.slice(0, colon);
  const password = credentials.slice(colon + 1);
  const pull = need('SLIPWAY_REGISTRY');
  const authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  return {
    pull,
    push: need('SLIPWAY_REGISTRY_PUSH'),
    username,
    password,
    authFile: await readFile(need('SLIPWAY_REGISTRY_AUTHFILE'), 'utf8'),
    async manifestDigest(repository, reference) {
      const res = await fetch(`http://${pull}/v2/${repository}/manifests/${reference}`, {
        method: 'HEAD',
        headers: { authorization, accept: MANIFEST_TYPES },
      });
      return res.ok ? (res.headers.get('docker-content-digest') ?? undefined) : undefined;
    },
    async deleteManifest(repository, digest) {
      const res = await fetch(`http://${pull}/v2/${repository}/manifests/${digest}`, {
        method: 'DELETE',
        headers: { authorization },
      });
      if (!res.ok && res.status !== 404) throw new Error(`DELETE manifest ${repository}@${digest}: ${res.status}`);
    },
  };
}
