import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { APP_EVENTS, APP_PERMISSIONS } from '../../../services/core/checks/app-manifest.js';
import { createGitHub } from '../../../services/shared/github.js';
import { GitHubStandIn } from '../../support/github-stand-in.js';
import { runSlipway } from '../../support/run-slipway.js';

const slipway = (args: string[], env: NodeJS.ProcessEnv = {}) => runSlipway(args, env);

/** `slipway app create`, end to end against the stand-in's manifest conversion. */
describe('slipway app create', () => {
  let standIn: GitHubStandIn;
  const out = mkdtempSync(join(tmpdir(), 'slipway-app-'));

  beforeAll(async () => {
    standIn = await GitHubStandIn.start({ gitHost: '127.0.0.1' });
  });

  afterAll(async () => {
    expect(standIn.violations).toEqual([]);
    await standIn?.stop();
  });

  it('writes a manifest with exactly the permissions and events Slipway uses, and a page that posts it', async () => {
    const run = await slipway(['app', 'create', '--url', 'https://ci.example.com/', '--org', 'acme', '--out', out]);
    expect(run.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: 'slipway',
      url: 'https://ci.example.com',
      hook_attributes: { url: 'https://ci.example.com/webhooks', active: true },
      redirect_url: 'https://ci.example.com/app-created',
      callback_urls: ['https://ci.example.com/auth/callback'],
      public: false,
    });
    expect(manifest.default_permissions).toEqual({
      checks: 'write',
      statuses: 'write',
      deployments: 'write',
      contents: 'write',
      pull_requests: 'write',
      administration: 'read',
      members: 'read',
      metadata: 'read',
    });
    expect(manifest.default_events.sort()).toEqual(Object.keys(APP_EVENTS).sort());
    const page = readFileSync(join(out, 'create-app.html'), 'utf8');
    expect(page).toContain('action="https://github.com/organizations/acme/settings/apps/new?state=');
    expect(page).toContain('&quot;default_events&quot;');
    expect(run.stdout).toContain('slipway app create --code CODE');
  });

  it('--code completes the flow: the App’s id, key and secrets in owner-only files, that work', async () => {
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const code = standIn.createAppFromManifest(manifest, 'acme');
    const run = await slipway(['app', 'create', '--code', code, '--out', out], {
      SLIPWAY_GITHUB_API_URL: standIn.apiUrl,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const read = (file: string) => readFileSync(join(out, file), 'utf8').trim();
    for (const file of ['app-id', 'private-key.pem', 'webhook-secret', 'client-id', 'client-secret']) {
      expect(statSync(join(out, file)).mode & 0o777).toBe(0o600);
      expect(read(file)).not.toBe('');
      expect(run.stdout).toContain(join(out, file));
    }
    expect(run.stdout).toContain(`SLIPWAY_GITHUB_APP_PRIVATE_KEY_FILE=${join(out, 'private-key.pem')}`);
    expect(run.stdout).toContain('docker secret create slipway-private-key');
    const appId = read('app-id');
    expect(standIn.manifestOf(appId)?.permissions).toEqual(
      Object.fromEntries(Object.entries(APP_PERMISSIONS).map(([k, [level]]) => [k, level])),
    );
    // The stored key is the App's: once installed, Slipway gets installation tokens with it.
    standIn.installApp(appId, 5);
    await standIn.createRepo('acme', 'made');
    const github = createGitHub(standIn.apiUrl, { appId, privateKey: read('private-key.pem'), installationId: 5 });
    expect(await github.isPrivate({ owner: 'acme', name: 'made' })).toBe(true);
    expect(standIn.installationTokensIssuedFor(5)).toBe(1);
  });

  it('a code works once: the second conversion is refused', async () => {
    const code = standIn.createAppFromManifest({ name: 'again', url: 'https://ci.example.com' }, 'acme');
    const env = { SLIPWAY_GITHUB_API_URL: standIn.apiUrl };
    expect((await slipway(['app', 'create', '--code', code, '--out', join(out, 'one')], env)).code).toBe(0);
    const again = await slipway(['app', 'create', '--code', code, '--out', join(out, 'two')], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('GitHub did not convert the manifest code');
  });
});
